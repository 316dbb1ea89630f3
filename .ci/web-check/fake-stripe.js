#!/usr/bin/env node
// A local stand-in for Stripe in the browser check, so a card payment can run
// from the booking page to the confirmed booking without the internet:
//  - Stripe's API as the server calls it: POST /v1/payment_intents (honouring
//    Idempotency-Key), GET /v1/payment_intents/{id}, POST /v1/refunds;
//  - Stripe.js as the card page loads it (GET /v3/): Stripe(key).elements()
//    mounts a card field, and confirmPayment() asks this server to confirm
//    the intent, which then sends the signed payment_intent.succeeded webhook
//    to the site (as Stripe does) before the browser returns to return_url.
//
// Usage: STRIPE_WEBHOOK_SECRET=whsec_… node fake-stripe.js PORT
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');

const port = Number(process.argv[2]);
const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;
if (!port || !webhookSecret) {
  console.error('usage: STRIPE_WEBHOOK_SECRET=whsec_… node fake-stripe.js PORT');
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const intents = new Map();
const byKey = new Map();
let counter = 0;

const stripeJs = `(function () {
  "use strict";
  var api = ${JSON.stringify(origin)};
  window.Stripe = function (key) {
    if (!/^pk_/.test(key)) { throw new Error("not a publishable key: " + key); }
    return {
      elements: function (options) {
        var secret = options.clientSecret;
        return {
          clientSecret: secret,
          create: function () {
            var handlers = {};
            return {
              on: function (name, handler) { handlers[name] = handler; },
              mount: function (selector) {
                var host = document.querySelector(selector);
                var label = document.createElement("label");
                label.htmlFor = "fake-card-number";
                label.textContent = "Card number";
                var input = document.createElement("input");
                input.id = "fake-card-number";
                input.autocomplete = "cc-number";
                input.value = "4242 4242 4242 4242";
                host.appendChild(label);
                host.appendChild(input);
                setTimeout(function () { if (handlers.ready) { handlers.ready(); } }, 0);
              }
            };
          }
        };
      },
      confirmPayment: function (args) {
        return fetch(api + "/confirm", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_secret: args.elements.clientSecret, site: window.location.origin })
        }).then(function (response) { return response.json(); }).then(function (result) {
          if (result.error) { return { error: { message: result.error } }; }
          window.location.href = args.confirmParams.return_url + "?payment_intent=" + result.id + "&redirect_status=succeeded";
          return new Promise(function () {});
        });
      }
    };
  };
})();
`;

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, {
    'content-type': type,
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'content-type',
  });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function publicIntent(intent) {
  const { site, ...rest } = intent;
  return rest;
}

async function deliverSucceeded(intent, site) {
  const payload = JSON.stringify({
    id: `evt_${intent.id}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { ...publicIntent(intent), amount_received: intent.amount } },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = crypto.createHmac('sha256', webhookSecret).update(`${timestamp}.${payload}`).digest('hex');
  const response = await fetch(`${site}/api/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': `t=${timestamp},v1=${signature}` },
    body: payload,
  });
  return response.status;
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, origin);
    if (req.method === 'OPTIONS') return send(res, 204, '', 'text/plain');
    if (req.method === 'GET' && url.pathname === '/v3/') {
      return send(res, 200, stripeJs, 'text/javascript; charset=utf-8');
    }
    if (req.method === 'POST' && url.pathname === '/v1/payment_intents') {
      const key = req.headers['idempotency-key'];
      const form = new URLSearchParams(await readBody(req));
      if (key && byKey.has(key)) return send(res, 200, publicIntent(intents.get(byKey.get(key))));
      counter += 1;
      const id = `pi_ci${counter}`;
      const intent = {
        id,
        object: 'payment_intent',
        client_secret: `${id}_secret_${crypto.randomBytes(6).toString('hex')}`,
        amount: Number(form.get('amount')),
        currency: form.get('currency'),
        status: 'requires_payment_method',
        metadata: { booking_id: form.get('metadata[booking_id]'), payment_id: form.get('metadata[payment_id]') },
      };
      intents.set(id, intent);
      if (key) byKey.set(key, id);
      return send(res, 200, publicIntent(intent));
    }
    const intentPath = url.pathname.match(/^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/);
    if (req.method === 'GET' && intentPath) {
      const intent = intents.get(intentPath[1]);
      return intent ? send(res, 200, publicIntent(intent)) : send(res, 404, { error: { type: 'invalid_request_error', message: 'No such payment_intent' } });
    }
    if (req.method === 'POST' && url.pathname === '/v1/refunds') {
      const form = new URLSearchParams(await readBody(req));
      counter += 1;
      return send(res, 200, { id: `re_ci${counter}`, object: 'refund', status: 'succeeded', amount: Number(form.get('amount')) });
    }
    if (req.method === 'POST' && url.pathname === '/confirm') {
      const { client_secret: secret, site } = JSON.parse(await readBody(req));
      const intent = [...intents.values()].find((i) => i.client_secret === secret);
      if (!intent) return send(res, 200, { error: 'Unknown payment.' });
      intent.status = 'succeeded';
      const status = await deliverSucceeded(intent, site);
      if (status !== 200) return send(res, 200, { error: `The site answered the webhook with ${status}.` });
      return send(res, 200, { id: intent.id });
    }
    return send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  } catch (error) {
    return send(res, 500, { error: { message: String(error) } });
  }
});
server.listen(port, '127.0.0.1', () => console.log(`fake Stripe on ${origin}`));
