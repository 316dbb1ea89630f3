// The learning page: reports the time spent on a material while the page is
// visible, every minute and when the page is hidden or left. Each report
// carries its own idempotency key, so a report sent twice counts once.
(function () {
  "use strict";
  var page = document.getElementById("learning");
  if (!page || !window.fetch) {
    return;
  }
  var url = page.getAttribute("data-time-url");
  var csrf = page.getAttribute("data-csrf");
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pending = 0;

  function key() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function collect() {
    if (visibleSince !== null) {
      pending += (Date.now() - visibleSince) / 1000;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    }
  }

  function report() {
    collect();
    var seconds = Math.floor(pending);
    if (seconds < 1) {
      return;
    }
    pending -= seconds;
    var body = new URLSearchParams({ csrf: csrf, key: key(), seconds: String(Math.min(seconds, 3600)) });
    // keepalive lets the last report outlive the page it was sent from.
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true }).catch(function () {});
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      visibleSince = Date.now();
    } else {
      report();
    }
  });
  window.addEventListener("pagehide", report);
  window.setInterval(report, 60000);
})();
