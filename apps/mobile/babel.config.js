// babel-preset-expo for Metro and jest-expo alike.
module.exports = function babelConfig(api) {
  api.cache(true);
  return { presets: ['babel-preset-expo'] };
};
