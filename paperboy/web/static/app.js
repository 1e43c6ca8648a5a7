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

// Upvote buttons: without this they are plain forms that post and come back; with it, a click
// asks the API and updates the count and pressed state in place (no reload).
(function () {
  "use strict";

  function formsFor(arxivId) {
    return Array.prototype.filter.call(
      document.querySelectorAll("form.vote-form"),
      function (form) { return form.getAttribute("data-arxiv-id") === arxivId; }
    );
  }

  function show(arxivId, state) {
    formsFor(arxivId).forEach(function (form) {
      var button = form.querySelector(".vote-button");
      var count = form.querySelector(".count");
      var vote = form.querySelector("input[name=vote]");
      if (count) { count.textContent = String(state.upvotes); }
      if (button) { button.setAttribute("aria-pressed", state.upvoted ? "true" : "false"); }
      if (vote) { vote.value = state.upvoted ? "0" : "1"; }
    });
    var article = document.querySelector("article.paper[data-arxiv-id='" + arxivId + "']");
    var stats = article && article.querySelector(".stats .upvotes .text");
    if (stats) {
      stats.textContent = state.upvotes + (state.upvotes === 1 ? " upvote" : " upvotes");
    }
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("vote-form")) {
      return;
    }
    var token = form.querySelector("input[name=csrf_token]");
    if (!token || !token.value || typeof window.fetch !== "function") {
      return; // a visitor: the plain form leads to the login page
    }
    event.preventDefault();
    var arxivId = form.getAttribute("data-arxiv-id");
    var on = form.querySelector("input[name=vote]").value === "1";
    var button = form.querySelector(".vote-button");
    if (button) { button.disabled = true; }
    window.fetch("/api/papers/" + arxivId + "/upvote", {
      method: on ? "POST" : "DELETE",
      headers: { "X-CSRF-Token": token.value, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
        return null;
      }
      if (!response.ok) {
        form.submit(); // let the server say what went wrong, on a page
        return null;
      }
      return response.json();
    }).then(function (state) {
      if (state) { show(arxivId, state); }
    }).catch(function () {
      form.submit();
    }).then(function () {
      if (button) { button.disabled = false; }
    });
  }

  document.addEventListener("submit", onSubmit);
})();
