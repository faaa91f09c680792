module.exports = {
  presets: [['@exercism/babel-preset-javascript', { corejs: '3.45' }]],
  plugins: [],
};
