"""Paper text for email: LaTeX math as readable Unicode, one-line titles, short abstracts.

Mail clients render no KaTeX, so `$\\alpha \\leq \\mathcal{O}(n^2)$` reaches a reader as
`α ≤ 𝒪(n²)`: known commands become their symbols, super- and subscripts of digits and simple
letters become Unicode ones (else `^(…)`), `\\frac{a}{b}` becomes `a/b`, font and text commands
keep their argument, and any other command keeps its name without the backslash. The result is
plain text: escaping for HTML is the template's job.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫",
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "div": "÷", "ast": "*", "circ": "∘",
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "Σ", "prod": "Π", "int": "∫",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
    "forall": "∀", "exists": "∃", "emptyset": "∅", "varnothing": "∅", "neg": "¬",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "mapsto": "↦",
    "leftrightarrow": "↔", "iff": "⇔", "land": "∧", "lor": "∨", "wedge": "∧", "vee": "∨",
    "ldots": "…", "cdots": "⋯", "dots": "…", "log": "log", "exp": "exp", "min": "min",
    "max": "max", "sin": "sin", "cos": "cos", "lim": "lim", "top": "ᵀ", "prime": "′",
    "langle": "⟨", "rangle": "⟩", "lvert": "|", "rvert": "|", "mid": "|", "|": "‖",
    "%": "%", "&": "&", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}",
    ",": " ", ";": " ", ":": " ", "!": "", "quad": " ", "qquad": " ", " ": " ",
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "displaystyle": "",
}  # fmt: skip
_KEEP_ARGUMENT = {
    "text", "textrm", "textit", "textbf", "texttt", "textsc", "emph", "mathrm", "mathit",
    "mathbf", "mathsf", "mathtt", "boldsymbol", "bm", "operatorname", "mbox", "hbox",
    "underline", "overline", "hat", "tilde", "bar", "vec", "widehat", "widetilde", "dot",
}  # fmt: skip
_DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_SCRIPT = {"O": "𝒪", "L": "ℒ", "N": "𝒩", "D": "𝒟", "F": "ℱ", "H": "ℋ", "M": "ℳ", "X": "𝒳"}
_SUPER = str.maketrans("0123456789+-=()nitT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗᵀ")
_SUB = str.maketrans("0123456789+-=()aeijkmnotx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₘₙₒₜₓ")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_ARG = r"\{([^{}]*)\}"
_FRAC = re.compile(r"\\[dt]?frac\s*" + _ARG + r"\s*" + _ARG)
_SQRT = re.compile(r"\\sqrt\s*" + _ARG)
_FONT = re.compile(r"\\(mathbb|mathcal|mathscr|mathfrak)\s*(?:" + _ARG + r"|([A-Za-z]))")
_KEEP = re.compile(r"\\([A-Za-z]+)\s*" + _ARG)
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_SCRIPTS = re.compile(r"([_^])\s*(?:" + _ARG + r"|(\\[A-Za-z]+|[A-Za-z0-9+\-=*]))")
_TEXT_ESCAPE = re.compile(r"\\([%&#_])")
_TEXT_FONT = re.compile(r"\\(?:emph|textbf|textit|texttt|textrm|textsc|url)\s*" + _ARG)
_ATOM = re.compile(r"[\w√.′]+")
_SPACES = re.compile(r"\s+")
_UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def math_to_text(text: str) -> str:
    """`text` with every `$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` span written as readable text."""
    text = _MATH.sub(lambda m: _math(next(g for g in m.groups() if g is not None)), text)
    return _TEXT_ESCAPE.sub(r"\1", _TEXT_FONT.sub(r"\1", text))


def _math(tex: str) -> str:
    for _ in range(4):  # nested arguments resolve from the inside out
        before = tex
        tex = _FRAC.sub(lambda m: f"{_grouped(m.group(1))}/{_grouped(m.group(2))}", tex)
        tex = _SQRT.sub(lambda m: f"√{_grouped(m.group(1))}", tex)
        tex = _FONT.sub(_font, tex)
        tex = _KEEP.sub(lambda m: m.group(2) if m.group(1) in _KEEP_ARGUMENT else m.group(0), tex)
        tex = _SCRIPTS.sub(_script, tex)
        if tex == before:
            break
    tex = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), tex)
    tex = tex.replace("{", "").replace("}", "").replace("~", " ")
    return _SPACES.sub(" ", tex).strip()


def _grouped(value: str) -> str:
    value = value.strip()
    return value if _ATOM.fullmatch(value) else f"({value})"


def _font(match: re.Match[str]) -> str:
    letter = (match.group(2) or match.group(3) or "").strip()
    table = _DOUBLE_STRUCK if match.group(1) == "mathbb" else _SCRIPT
    return table.get(letter, letter) if match.group(1) in {"mathbb", "mathcal"} else letter


def _script(match: re.Match[str]) -> str:
    value = match.group(2) if match.group(2) is not None else match.group(3)
    value = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), value).strip()
    table, mark = (_SUPER, "^") if match.group(1) == "^" else (_SUB, "_")
    if value in {"ᵀ", "′"}:
        return value
    converted = value.translate(table)
    if value and all(a != b for a, b in zip(value, converted, strict=True)):
        return converted
    return f"{mark}{value}" if len(value) <= 1 else f"{mark}({value})"


def one_line(text: str) -> str:
    """`text` on one line: control, format and line-separator characters become spaces, folded.

    What reaches a mail header or a subject must never carry a CR or LF; this makes any paper
    title safe there (and tidy everywhere).
    """
    cleaned = "".join(" " if unicodedata.category(c) in _UNSAFE else c for c in text)
    return " ".join(cleaned.split())


def readable(text: str) -> str:
    """A title or abstract as plain text: math written out, on one line."""
    return one_line(math_to_text(one_line(text)))


def shortened(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with `…` when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—") + "…"


def excerpt(abstract: str, limit: int = 320) -> str:
    """The start of an abstract, math written out, cut at a word to at most `limit` characters."""
    return shortened(readable(abstract), limit)


def author_line(authors: tuple[str, ...], most: int = 4) -> str:
    """`A, B, C and D`, or the first `most` names and `et al.` for longer lists."""
    names = [one_line(name) for name in authors if name.strip()]
    if not names:
        return ""
    if len(names) > most:
        return ", ".join(names[:most]) + " et al."
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def wrapped(text: str, width: int = 72, indent: str = "") -> str:
    """`text` wrapped for a plain-text mail, each line starting with `indent`."""
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


_SLOT = re.compile(r"@@slot:([a-z_0-9]+)@@")


def slot(name: str) -> str:
    """The marker a template renders where `Frame.fill` later puts the value `name`."""
    return f"@@slot:{name}@@"


@dataclass(frozen=True, slots=True)
class Frame:
    """A rendered template with named holes: filling it is one join, not a render.

    A mail's frame is rendered once with `slot(name)` markers as its values; each recipient's
    values (escaped by the caller as the part needs) are then joined in. Values are never
    searched for markers, so text that looks like one stays text.
    """

    pieces: tuple[str, ...]  # literal, name, literal, name, …, literal

    @classmethod
    def of(cls, rendered: str) -> Frame:
        """The frame of a template rendered with `slot` markers."""
        return cls(tuple(_SLOT.split(rendered)))

    @property
    def names(self) -> frozenset[str]:
        """The names of the holes."""
        return frozenset(self.pieces[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        """The frame with every hole replaced by its value (KeyError for a missing one)."""
        parts = list(self.pieces)
        parts[1::2] = [values[name] for name in self.pieces[1::2]]
        return "".join(parts)
