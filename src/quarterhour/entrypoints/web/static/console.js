// Quarter Hour console: new and overdue work shows up without a reload.
// A list page names its pulse URL and the counts it was rendered with; every 20 s the page asks
// again and, when the counts moved, offers a reload (it never reloads under someone's typing).
(function () {
  "use strict";
  var list = document.querySelector("[data-pulse]");
  if (!list) { return; }
  var url = list.getAttribute("data-pulse");
  var seen = list.getAttribute("data-counts");
  var banner = document.getElementById("live");
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && JSON.stringify(body.counts) !== seen && banner) {
          banner.classList.add("shown");
        }
      })
      .catch(function () { /* the next round asks again */ });
  }
  setInterval(ask, 20000);
}());
