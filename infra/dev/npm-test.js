#!/usr/bin/env node
// `npm test`: install what is missing, then run the whole suite (see infra/dev/test.ts).
'use strict';
const { ensureNodeModules, runTs } = require('./bootstrap');
ensureNodeModules(process.argv.slice(2));
runTs('infra/dev/test.ts', process.argv.slice(2));
