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
