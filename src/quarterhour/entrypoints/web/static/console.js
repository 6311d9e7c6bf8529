// Quarter Hour console: new and overdue work shows up in the queues without a reload.
// A list page names its pulse URL and the counts it was rendered with; every 20 s the page asks
// again and, when the counts moved, fetches itself and swaps in the new rows and tab counts —
// unless someone is typing in the page's filters, in which case a banner offers the reload.
(function () {
  "use strict";
  var list = document.querySelector("[data-pulse]");
  if (!list) { return; }
  var url = list.getAttribute("data-pulse");
  var seen = list.getAttribute("data-counts");
  var banner = document.getElementById("live");
  function busy() {
    var active = document.activeElement;
    return active && active.closest && active.closest("form") !== null;
  }
  function refresh(counts) {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var rows = fresh.querySelector("table.list[data-pulse] tbody");
        var tabs = fresh.querySelector("nav.tabs");
        var current = document.querySelector("table.list[data-pulse] tbody");
        if (rows && current) { current.replaceWith(rows); }
        var oldTabs = document.querySelector("nav.tabs");
        if (tabs && oldTabs) { oldTabs.replaceWith(tabs); }
        seen = counts;
        list.setAttribute("data-counts", counts);
      })
      .catch(function () { /* the next round tries again */ });
  }
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        var counts = JSON.stringify(body.counts);
        if (counts === seen) { return; }
        if (busy()) {
          if (banner) { banner.classList.add("shown"); }
        } else {
          refresh(counts);
        }
      })
      .catch(function () { /* the next round asks again */ });
  }
  setInterval(ask, Number(list.getAttribute("data-every") || 20000));
}());

// The intake desk: the caller lookup answers as the agent types (the server renders the rows),
// and the spare matters stay folded until asked for.
(function () {
  "use strict";
  var input = document.getElementById("lookup");
  var results = document.getElementById("caller-results");
  if (input && results) {
    var timer = null;
    var asked = input.value;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === asked) { return; }
        asked = q;
        if (q.length < 2) { results.innerHTML = ""; return; }
        fetch(input.getAttribute("data-callers") + "?q=" + encodeURIComponent(q),
              { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { if (asked === q) { results.innerHTML = html; } })
          .catch(function () { /* the Find button still works */ });
      }, 180);
    });
  }
  var spares = document.querySelectorAll("fieldset.matter[data-spare]");
  if (spares.length) {
    var add = document.createElement("button");
    add.type = "button";
    add.className = "secondary";
    add.textContent = document.documentElement.lang === "en" ? "+ another matter" : "+ 添加事项";
    spares.forEach(function (f) { f.hidden = true; });
    add.addEventListener("click", function () {
      var next = document.querySelector("fieldset.matter[data-spare][hidden]");
      if (next) { next.hidden = false; next.querySelector("select, input").focus(); }
      if (!document.querySelector("fieldset.matter[data-spare][hidden]")) { add.remove(); }
    });
    spares[0].parentNode.insertBefore(add, spares[0]);
  }
}());

// Revealing the caller's number on an order's page: asked for in the background, so the page
// is not reloaded and a form being filled in stays open with what was typed. The server records
// the look exactly as for the plain form post, which is what happens without script.
(function () {
  "use strict";
  document.querySelectorAll('form[action$="/phone"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      if (button) { button.disabled = true; }
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var full = html && new DOMParser().parseFromString(html, "text/html")
            .getElementById("full-phone");
          if (!full) { form.submit(); return; }  // let the page say what went wrong
          var masked = form.previousElementSibling;
          if (masked && masked.classList.contains("muted")) { masked.remove(); }
          form.replaceWith(document.importNode(full, true));
        })
        .catch(function () { form.submit(); });
    });
  });
}());

// The top bar's search box: "/" puts the cursor there from anywhere on a page but a field.
(function () {
  "use strict";
  var box = document.querySelector("header.bar form.search input[name=q]");
  if (!box) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });
}());

// The order list's filter panel: folded on a phone unless a filter is set (the server leaves
// data-fold-narrow off then), always open on a wide screen, where its summary is hidden.
(function () {
  "use strict";
  var panel = document.querySelector("details[data-fold-narrow]");
  if (!panel || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 36rem)");
  function fit() { panel.open = !narrow.matches; }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
}());

// The dispatcher's live board: every few seconds the page fetches itself and swaps in the fresh
// board (tables, map, the time it is as of). Script rather than a meta refresh, which reloads
// the whole page under the reader and cannot be paused (WCAG 2.2.1, 2.2.2): the button pauses it.
(function () {
  "use strict";
  var board = document.getElementById("live-board");
  if (!board) { return; }
  var every = Number(board.getAttribute("data-refresh") || 30) * 1000;
  var paused = false;
  var button = document.getElementById("live-pause");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      button.textContent = button.getAttribute(paused ? "data-resume" : "data-pause");
    });
  }
  setInterval(function () {
    if (paused || document.hidden) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || paused) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-board");
        var current = document.getElementById("live-board");
        if (fresh && current) { current.replaceWith(fresh); }
      })
      .catch(function () { /* the next round tries again */ });
  }, every);
}());
