'use strict';

function spiralOrder(matrix) {
  const out = [];
  if (matrix.length === 0) return out;
  let top = 0;
  let bottom = matrix.length - 1;
  let left = 0;
  let right = matrix[0].length - 1;
  while (top <= bottom && left <= right) {
    for (let c = left; c <= right; c++) out.push(matrix[top][c]);
    for (let r = top + 1; r <= bottom; r++) out.push(matrix[r][right]);
    if (top < bottom) for (let c = right - 1; c >= left; c--) out.push(matrix[bottom][c]);
    if (left < right) for (let r = bottom - 1; r > top; r--) out.push(matrix[r][left]);
    top++;
    bottom--;
    left++;
    right--;
  }
  return out;
}

function spiralMatrix(n) {
  const m = Array.from({ length: n }, () => new Array(n).fill(0));
  const dirs = [[0, 1], [1, 0], [0, -1], [-1, 0]];
  let r = 0;
  let c = 0;
  let d = 0;
  for (let k = 1; k <= n * n; k++) {
    m[r][c] = k;
    const [dr, dc] = dirs[d];
    const nr = r + dr;
    const nc = c + dc;
    if (nr < 0 || nr >= n || nc < 0 || nc >= n || m[nr][nc] !== 0) d = (d + 1) % 4;
    r += dirs[d][0];
    c += dirs[d][1];
  }
  return m;
}

module.exports = { spiralOrder, spiralMatrix };
