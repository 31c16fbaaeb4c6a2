#!/usr/bin/env node
// `npm start`: install what is missing, then bring up InfluxDB, the backend and virtual meters.
'use strict';
const { ensureNodeModules, runTs } = require('./bootstrap');
ensureNodeModules(process.argv.slice(2));
runTs('infra/dev/start.ts', process.argv.slice(2));
