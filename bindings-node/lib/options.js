'use strict';
/** init()'s options to the core's pairs, for the native binding (see option_pairs.js). */
const native = require('./native');
const { makeOptionPairs } = require('./option_pairs');

module.exports = makeOptionPairs(native.optionTable(), native.optionAdvice);
