'use strict';

const http = require('http');
const { books } = require('./books');

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function createServer() {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/books') return json(res, 200, books);
    return json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  });
}

module.exports = { createServer };
