'use strict';

// A small router in the style of Express, on top of node:http.

const http = require('http');

const routes = [];

function get(path, handler) {
  routes.push({ method: 'GET', path, handler });
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

const books = [
  { id: 1, title: 'The Pragmatic Programmer' },
  { id: 2, title: 'Structure and Interpretation of Computer Programs' },
];

get('/', (req, res) => {
  json(res, 200, { service: 'bookshelf', routes: routes.map((r) => `${r.method} ${r.path}`) });
});

get('/books', (req, res) => {
  json(res, 200, books);
});

get('/health', (req, res) => {
  json(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });
});

function createServer() {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (!route) return json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    return route.handler(req, res);
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT) || 3000;
  createServer().listen(port, () => console.log(`bookshelf listening on http://localhost:${port}`));
}

module.exports = { createServer, get, routes };
