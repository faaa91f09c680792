'use strict';

// Dijkstra with a linear scan for the next node: fine for the small graphs this serves.
function shortestPath(edges, from, to) {
  const out = new Map();
  for (const [a, b, cost] of edges) {
    if (!out.has(a)) out.set(a, []);
    out.get(a).push([b, cost]);
  }
  const dist = new Map([[from, 0]]);
  const prev = new Map();
  const done = new Set();
  for (;;) {
    let node = null;
    for (const [n, d] of dist) if (!done.has(n) && (node === null || d < dist.get(node))) node = n;
    if (node === null) return null;
    if (node === to) break;
    done.add(node);
    for (const [next, cost] of out.get(node) ?? []) {
      const d = dist.get(node) + cost;
      if (!dist.has(next) || d < dist.get(next)) {
        dist.set(next, d);
        prev.set(next, node);
      }
    }
  }
  const path = [to];
  while (path[0] !== from) path.unshift(prev.get(path[0]));
  return { cost: dist.get(to), path };
}

module.exports = { shortestPath };
