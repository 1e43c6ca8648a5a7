"""Mail throughput: digest-sized messages composed and sent over SMTP to a sink on 127.0.0.1.

    .venv/bin/python bench/mail_bench.py [--messages 2000] [--connections 1,4] [--runs 1]

The sink is aiosmtpd in its own process (so it does not share this process's GIL) that accepts
and counts every message. Each message is what a digest will be: a text part and an inline-CSS
HTML part from the bundled layout with 10 real-looking papers (~12 kB on the wire), composed by
`paperboy.mail` (`Composer`: MIME, headers, quoted-printable) and sent by `SmtpMailer`, one per
connection, from that many threads. Compose-only is the same work without the network. The
issue-5 target is ≥ 200 messages/s with 4 connections. Creates `/tmp/BENCH_QUIET` while timing.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness

from paperboy.domain.mail import OutgoingMail
from paperboy.mail import JinjaMailTemplates
from paperboy.mail.mime import Composer
from paperboy.mail.smtp import SmtpConfig, SmtpMailer

QUIET = Path("/tmp/BENCH_QUIET")
TARGET = 200.0
PAPER = (
    "Scaling sparse mixture-of-experts with $O(\\\\log n)$ routing: we show that a learned "
    "router over 1,024 experts matches dense models at a fifth of the compute. "
)


def messages(count: int) -> list[OutgoingMail]:
    """Digest-like messages: 10 papers each, as text and inline-CSS HTML."""
    templates = JinjaMailTemplates("paperboy", "https://papers.example.org")
    body = "\n".join(
        f"{n}. Paper {n}: {PAPER * 3}\n   https://papers.example.org/p/{n}" for n in range(10)
    )
    rendered = templates.render(
        "test_message", {"name": "reader", "quote": body, "link": "/digest/settings"}
    )
    headers = (("List-Unsubscribe", "<https://papers.example.org/unsubscribe/" + "x" * 80 + ">"),)
    return [
        OutgoingMail(
            to=f"reader{n}@example.org",
            subject=f"5 trending papers for you · {n}",
            text=rendered.text,
            html=rendered.html,
            headers=headers,
        )
        for n in range(count)
    ]


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0], runs=1)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", default="1,4")
    args = parser.parse_args()
    harness.print_header("Mail throughput to an SMTP sink on 127.0.0.1")
    batch = messages(args.messages)
    composer = Composer.from_settings("paperboy <digest@papers.example.org>", "https://x.org")
    size = len(composer.compose(batch[0]).as_bytes())
    print(f"- {args.messages} messages of {size / 1024:.1f} kB each on the wire\n", flush=True)
    rows = []
    QUIET.touch()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for mail in batch:
            composer.compose(mail).as_bytes()
        compose_rate = len(batch) / (time.perf_counter() - started)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(batch)
        rows.append(
            f"| compose only (no network; {cpu_ms:.2f} ms CPU each) | - | {compose_rate:,.0f} "
            "| - | - |"
        )
        for connections in (int(c) for c in args.connections.split(",")):
            for _ in range(args.runs):
                rows.append(send_row(batch, composer, connections))
                print(rows[-1], flush=True)
    finally:
        QUIET.unlink(missing_ok=True)
    print("\n| case | connections | messages/s | received | ≥ 200/s |\n|---|---|---|---|---|")
    print("\n".join(rows))
    harness.print_footer()


def send_row(batch: list[OutgoingMail], composer: Composer, connections: int) -> str:
    sink = harness.CountingSink()
    port = sink.port
    config = SmtpConfig("127.0.0.1", port, security="none", timeout=30)
    mailers = [SmtpMailer(config, composer) for _ in range(connections)]
    shares = [batch[n::connections] for n in range(connections)]

    def send_all(mailer: SmtpMailer, share: list[OutgoingMail]) -> None:
        for mail in share:
            mailer.send(mail)
        mailer.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send_all, mailers, shares))
    rate = len(batch) / (time.perf_counter() - started)
    received = sink.stop()
    met = "yes" if rate >= TARGET and received == len(batch) else "no"
    return f"| SmtpMailer to aiosmtpd | {connections} | {rate:,.0f} | {received} | {met} |"


if __name__ == "__main__":
    main()
