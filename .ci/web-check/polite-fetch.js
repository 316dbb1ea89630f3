// fetch for the journeys' set-up through the JSON API. The server allows ten
// sign-ups and sign-ins a minute per address (MEDICALEDU_AUTH_RATE_LIMIT_PER_MINUTE);
// the journeys play dozens of people from one address, so, like any
// well-behaved client, they wait as long as a 429's Retry-After says and ask
// again, instead of the check depending on how fast the machine runs them.
'use strict';

const MAX_TRIES = 8;

async function politeFetch(url, init) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, init);
    if (response.status !== 429 || attempt === MAX_TRIES) return response;
    const seconds = Number(response.headers.get('retry-after')) || 6;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

module.exports = { politeFetch };
