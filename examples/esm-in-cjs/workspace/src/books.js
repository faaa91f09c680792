'use strict';

// The shelf the service serves: an in-memory list, looked up by id.

const books = [
  { id: 1, title: 'The Pragmatic Programmer' },
  { id: 2, title: 'Structure and Interpretation of Computer Programs' },
];

function findBook(id) {
  return books.find((book) => book.id === id) ?? null;
}

module.exports = { books, findBook };
