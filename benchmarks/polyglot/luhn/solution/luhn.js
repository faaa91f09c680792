'use strict';

// Sum with every second digit from the right doubled (minus 9 when over 9).
function luhnSum(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

function isValidLuhn(text) {
  const digits = text.replace(/ /g, '');
  if (digits.length < 2 || !/^\d+$/.test(digits)) return false;
  return luhnSum(digits) % 10 === 0;
}

function checkDigit(digits) {
  return (10 - (luhnSum(`${digits}0`) % 10)) % 10;
}

module.exports = { isValidLuhn, checkDigit };
