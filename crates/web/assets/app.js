// Small improvements on pages that work without JavaScript.
(function () {
  "use strict";
  // Remember the browser's time zone, so times are shown in it before the
  // visitor signs in (signed-in users have the zone of their profile).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("medicaledu_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "medicaledu_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: times stay in UTC, named as such */ }

  // Buttons that ask before they act (cancelling, refunding): the question is
  // in data-confirm. Without JavaScript the action has its own confirmation page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
