'use strict';

const PAIRS = { ')': '(', ']': '[', '}': '{' };

function firstError(text) {
  const stack = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') stack.push(i);
    else if (ch in PAIRS) {
      if (stack.length === 0 || text[stack[stack.length - 1]] !== PAIRS[ch]) return i;
      stack.pop();
    }
  }
  return stack.length === 0 ? -1 : stack[0];
}

function isBalanced(text) {
  return firstError(text) === -1;
}

module.exports = { isBalanced, firstError };
