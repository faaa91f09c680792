'use strict';

const BINARY = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => {
    if (b === 0) throw new Error('division by zero');
    return a / b;
  },
};

function evaluate(expression) {
  const stack = [];
  const pop = (token) => {
    if (stack.length === 0) throw new Error(`not enough values on the stack for ${token}`);
    return stack.pop();
  };
  for (const token of expression.trim().split(/\s+/).filter(Boolean)) {
    if (/^-?\d+(\.\d+)?$/.test(token)) stack.push(Number(token));
    else if (token in BINARY) {
      const b = pop(token);
      const a = pop(token);
      stack.push(BINARY[token](a, b));
    } else if (token === 'dup') {
      const a = pop(token);
      stack.push(a, a);
    } else if (token === 'swap') {
      const b = pop(token);
      const a = pop(token);
      stack.push(b, a);
    } else throw new Error(`unknown token: ${token}`);
  }
  if (stack.length !== 1) throw new Error(`the stack holds ${stack.length} values at the end, not 1`);
  return stack[0];
}

module.exports = { evaluate };
