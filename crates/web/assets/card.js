// The card page: mounts Stripe's Payment Element and confirms the payment
// with Stripe.js, which then returns to the booking's page. Loaded only on
// that page, after Stripe.js; the form's data attributes carry what it needs.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  var button = document.getElementById("card-pay");
  var error = document.getElementById("card-error");
  var label = button.textContent;
  var stripe = window.Stripe(form.getAttribute("data-stripe-key"), {
    locale: form.getAttribute("data-locale") || "auto"
  });
  var elements = stripe.elements({ clientSecret: form.getAttribute("data-client-secret") });
  var payment = elements.create("payment");
  payment.mount("#payment-element");
  payment.on("ready", function () { button.disabled = false; });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    button.textContent = form.getAttribute("data-busy");
    error.textContent = "";
    var back = new URL(form.getAttribute("data-return-url"), window.location.href).href;
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: back } })
      .then(function (result) {
        // Only reached when Stripe did not redirect: the card was declined
        // or a field is incomplete. Stripe's message says which.
        if (result && result.error) {
          error.textContent = result.error.message || "";
        }
        button.disabled = false;
        button.textContent = label;
      });
  });
})();
