// The PayPal page: renders PayPal's buttons (from PayPal's SDK, loaded
// before this script). createOrder asks this site for the booking's order;
// onApprove has this site capture it, then shows the booking, confirmed.
(function () {
  "use strict";
  var host = document.getElementById("paypal-buttons");
  if (!host || !window.paypal || typeof window.paypal.Buttons !== "function") {
    return;
  }
  var error = document.getElementById("paypal-error");
  function post(url, fields) {
    var body = new URLSearchParams(fields || {});
    body.set("csrf", host.getAttribute("data-csrf"));
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || host.getAttribute("data-failed"));
        }
        return data;
      });
    });
  }
  function fail(reason) {
    error.textContent = (reason && reason.message) || host.getAttribute("data-failed");
  }
  window.paypal.Buttons({
    createOrder: function () {
      error.textContent = "";
      return post(host.getAttribute("data-order-url")).then(function (data) { return data.id; });
    },
    onApprove: function (data) {
      return fetch(host.getAttribute("data-capture-url"), {
        method: "POST",
        credentials: "same-origin",
        body: new URLSearchParams({ csrf: host.getAttribute("data-csrf"), order_id: data.orderID })
      }).then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.error || host.getAttribute("data-failed"));
          });
        }
        window.location.href = host.getAttribute("data-done-url");
      }).catch(fail);
    },
    onError: fail
  }).render("#paypal-buttons");
})();
