// Hand-written model answers used by the CLI tests (complete new file contents).

export const SERVER_WITH_HEALTH = `'use strict';

const http = require('http');
const { greet } = require('./greet');

const startedAt = Date.now();

const routes = {
  'GET /': (req, res) => send(res, 200, { hello: 'world' }),
  'GET /greet': (req, res) => send(res, 200, { message: greet('visitor') }),
  'GET /health': (req, res) => send(res, 200, { status: 'ok', uptime: (Date.now() - startedAt) / 1000 }),
};

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function createServer() {
  return http.createServer((req, res) => {
    const handler = routes[\`\${req.method} \${req.url}\`];
    if (handler) return handler(req, res);
    return send(res, 404, { error: 'not found' });
  });
}

module.exports = { createServer, routes };
`;

export const GREET_WITH_BYE = `'use strict';

function greet(name) {
  return \`Hello, \${name}!\`;
}

function farewell(name) {
  return \`Goodbye, \${name}!\`;
}

module.exports = { greet, farewell };
`;

export const HEALTH_MODULE = `'use strict';

const startedAt = Date.now();

function health() {
  return { status: 'ok', uptime: (Date.now() - startedAt) / 1000 };
}

module.exports = { health };
`;

/** Parses fine as a fenced block but is not valid JavaScript. */
export const BROKEN_SERVER = `'use strict';

const routes = {
  'GET /health': (req, res) => send(res, 200, { status: 'ok' ),
};

module.exports = { routes };
`;

export const PROSE_ONLY = 'Sure! To add a health endpoint you would register a new route that returns the status and the uptime. Let me know if you want the code.';

// tests/fixtures/shop-app, as a run changes it: two MODIFYs, one CREATE in a new directory (the
// DELETE of src/legacy.js needs no answer). Long enough that a torn write could not pass for either version.
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'JPY', 'CAD'];

export const SHOP_CONFIG = `'use strict';

// Settings of the shop, read once at start-up.
const config = {
  port: 8080,
  currency: 'EUR',
  taxRate: 0.2,
  pageSize: 25,
  // How each currency is shown: symbol position and decimals.
  formats: {
${CURRENCIES.map((c, i) => `    ${c}: { decimals: ${c === 'JPY' || c === 'HUF' ? 0 : 2}, symbolFirst: ${i % 3 === 1}, grouping: ${i % 2 === 0 ? "','" : "'.'"} },`).join('\n')}
  },
};

function setting(name) {
  if (!(name in config)) throw new Error(\`unknown setting: \${name}\`);
  return config[name];
}

module.exports = { config, setting };
`;

export const SHOP_ROUTES = `'use strict';

const { setting } = require('./config');
const { count } = require('./metrics/counter');

function listProducts(products, page = 0) {
  count('GET /products');
  const size = setting('pageSize');
  return products.slice(page * size, (page + 1) * size);
}

function priceWithTax(net) {
  count('GET /price');
  return Math.round(net * (1 + setting('taxRate')) * 100) / 100;
}

const routes = {
  'GET /products': listProducts,
  'GET /price': priceWithTax,
};

module.exports = { routes, listProducts, priceWithTax };
`;

export const SHOP_COUNTER = `'use strict';

// Requests per route since start-up, for a /metrics page.
const counts = new Map();

function count(route) {
  counts.set(route, (counts.get(route) ?? 0) + 1);
}

function snapshot() {
  return Object.fromEntries(counts);
}

function reset() {
  counts.clear();
}

module.exports = { count, snapshot, reset };
`;
