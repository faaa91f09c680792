'use strict';

// table[i][w]: best value from the first i items within weight w.
function table(items, capacity) {
  const t = [new Array(capacity + 1).fill(0)];
  items.forEach(({ weight, value }, i) => {
    const row = t[i].slice();
    for (let w = weight; w <= capacity; w++) row[w] = Math.max(row[w], t[i][w - weight] + value);
    t.push(row);
  });
  return t;
}

function bestValue(items, capacity) {
  return table(items, capacity)[items.length][capacity];
}

function bestSelection(items, capacity) {
  const t = table(items, capacity);
  const chosen = [];
  let w = capacity;
  for (let i = items.length; i > 0; i--) {
    if (t[i][w] !== t[i - 1][w]) {
      chosen.push(i - 1);
      w -= items[i - 1].weight;
    }
  }
  return chosen.reverse();
}

module.exports = { bestValue, bestSelection };
