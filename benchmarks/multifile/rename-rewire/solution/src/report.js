'use strict';
// One line per post: its slug and a short title.

const { slugify, truncate } = require('./lib/text');

function postLines(posts) {
  return posts.map((p) => `${slugify(p.title)}: ${truncate(p.title, 16)}`);
}

module.exports = { postLines };
