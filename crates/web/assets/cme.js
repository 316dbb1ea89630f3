// Continuing medical education pages, improved where scripts run:
//  - a timed attempt counts down the time left next to its due time (the
//    server alone decides whether answers came in time, from its own clock);
//  - a certificate's verification link gets a "Copy link" button.
(function () {
  "use strict";

  var due = document.getElementById("due");
  if (due) {
    var at = Date.parse(due.getAttribute("data-due-at"));
    var clock = due.querySelector(".countdown");
    if (!isNaN(at) && clock) {
      var left = due.getAttribute("data-left");
      var over = due.getAttribute("data-over");
      var two = function (n) { return (n < 10 ? "0" : "") + n; };
      var tick = function () {
        var seconds = Math.max(0, Math.floor((at - Date.now()) / 1000));
        if (seconds === 0) {
          clock.textContent = over;
          return false;
        }
        var h = Math.floor(seconds / 3600);
        var m = Math.floor((seconds % 3600) / 60);
        var s = seconds % 60;
        clock.textContent = left + " " + (h > 0 ? h + ":" + two(m) : String(m)) + ":" + two(s);
        return true;
      };
      clock.hidden = false;
      if (tick()) {
        var timer = window.setInterval(function () {
          if (!tick()) {
            window.clearInterval(timer);
          }
        }, 1000);
      }
    }
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      }, function () {
        // Without clipboard access the link is selected for copying by hand.
        field.select();
      });
    });
  });
})();
