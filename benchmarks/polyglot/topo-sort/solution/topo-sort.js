'use strict';

// Kahn's algorithm with the ready set kept sorted, so the order is deterministic.
function topoSort(graph) {
  const deps = new Map();
  for (const [node, list] of Object.entries(graph)) {
    deps.set(node, new Set(list));
    for (const d of list) if (!deps.has(d)) deps.set(d, new Set(graph[d] ?? []));
  }
  const dependents = new Map([...deps.keys()].map((n) => [n, []]));
  for (const [node, list] of deps) for (const d of list) dependents.get(d).push(node);
  const remaining = new Map([...deps].map(([n, list]) => [n, list.size]));
  const ready = [...remaining].filter(([, n]) => n === 0).map(([node]) => node).sort();
  const order = [];
  while (ready.length > 0) {
    const node = ready.shift();
    order.push(node);
    for (const next of dependents.get(node)) {
      remaining.set(next, remaining.get(next) - 1);
      if (remaining.get(next) === 0) {
        ready.push(next);
        ready.sort();
      }
    }
  }
  if (order.length !== deps.size) throw new Error('dependency cycle among: ' + [...remaining].filter(([, n]) => n > 0).map(([k]) => k).join(', '));
  return order;
}

module.exports = { topoSort };
