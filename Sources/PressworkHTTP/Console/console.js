// Presswork console: small progressive enhancements. Every page works without this file.
// - [data-live]: a region that follows a Server-Sent Events stream (the URL in data-live); on
//   each event (at most once a second), and every data-refresh seconds if given, the page is
//   fetched again and the region's content replaced by the new one (the server renders;
//   nothing is built here). What the viewer opened or closed (details with an id) stays as
//   they left it: a redraw must not fold the round they are reading.
// - time[data-local]: a time shown also in the viewer's own zone.
"use strict";
(function () {
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime()) || element.dataset.localDone) return;
      element.dataset.localDone = "1";
      var local = document.createElement("span");
      local.className = "local-time";
      local.textContent = " (" + date.toLocaleString() + " your time)";
      element.after(local);
    });
  }

  function follow(region) {
    var busy = false, again = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (text) {
          if (text === null) return;
          var fresh = new DOMParser().parseFromString(text, "text/html").getElementById(region.id);
          if (fresh) {
            // Read at replacement time, not at fetch time: a click while the fetch was on counts.
            var folded = {};
            region.querySelectorAll("details[id]").forEach(function (d) { folded[d.id] = d.open; });
            fresh.querySelectorAll("details[id]").forEach(function (d) {
              if (Object.prototype.hasOwnProperty.call(folded, d.id)) d.open = folded[d.id];
            });
            region.replaceChildren.apply(region, Array.from(fresh.childNodes));
            region.dataset.updated = String(Date.now());
            localTimes(region);
          }
        })
        .catch(function () {})
        .finally(function () {
          // Events that came meanwhile cost one more fetch, a second later (still busy until
          // then): a busy installation's stream of events redraws a page about once a second.
          if (!again) { busy = false; return; }
          again = false;
          window.setTimeout(function () { busy = false; refresh(); }, 1000);
        });
    }
    var source = region.dataset.live;
    if (source && window.EventSource) {
      var events = new EventSource(source);
      ["run.round_completed", "run.needs_review", "run.done", "run.error", "run.skipped", "run.cancelled", "change"]
        .forEach(function (kind) { events.addEventListener(kind, refresh); });
    }
    var seconds = parseInt(region.dataset.refresh || "0", 10);
    if (seconds > 0) window.setInterval(refresh, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    document.querySelectorAll("[data-live], [data-refresh]").forEach(follow);
    document.documentElement.dataset.enhanced = "1";
  });
})();
