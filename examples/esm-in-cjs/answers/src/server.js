import http from 'node:http';
import { books, findBook } from './books.js';

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function createServer() {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/books') return json(res, 200, books);
    const match = url.pathname.match(/^\/books\/(\d+)$/);
    if (req.method === 'GET' && match) {
      const book = findBook(Number(match[1]));
      return book ? json(res, 200, book) : json(res, 404, { error: 'no such book' });
    }
    return json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  });
}
