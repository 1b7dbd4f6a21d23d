// Stands in for `long` and `seedrandom`, bare imports of tfjs-core's ES modules, which the
// bench loads only for register_all_gradients.js. Nothing it registers calls either; hash_util
// only builds a few constants with Long.fromString when it loads.
export default { fromString: () => null };
