// Progressive enhancement only: every page reads fine without this file.
// Renders LaTeX in `.math` elements with the bundled KaTeX (never a CDN).
(function () {
  "use strict";

  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
    { left: "$", right: "$", display: false }
  ];

  function renderMath() {
    if (typeof window.renderMathInElement !== "function") {
      return;
    }
    var blocks = document.querySelectorAll(".math");
    for (var i = 0; i < blocks.length; i++) {
      window.renderMathInElement(blocks[i], {
        delimiters: DELIMITERS,
        throwOnError: false,
        strict: "ignore",
        trust: false,
        maxExpand: 200
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderMath);
  } else {
    renderMath();
  }
})();
