// Plain Node (no dependencies): runs before `npm ci` may have happened.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { constants } = require('node:os');

const root = join(__dirname, '..', '..');

/**
 * Runs `npm ci` when node_modules is missing or older than package-lock.json; not for `--help`
 * when the packages are there (help touches nothing).
 */
function ensureNodeModules(args = []) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const help = args.some((a) => a === '--help' || a === '-h');
  if (help && existsSync(join(root, 'node_modules', '@swc-node', 'register'))) return;
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
  const xsnapBuilt = existsSync(join(root, 'node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker'));
  if (!stale && xsnapBuilt) return;
  console.log(stale ? '> installing npm packages (npm ci)…' : '> building the XS engine (npm rebuild @agoric/xsnap)…');
  const npmArgs = stale ? ['ci', '--no-audit', '--no-fund'] : ['rebuild', '@agoric/xsnap'];
  const result = spawnSync('npm', npmArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm ${npmArgs[0]} failed (exit ${result.status}); fix that first.`);
    process.exit(1);
  }
}

/**
 * Runs a TypeScript entry point with the project's swc register hook; exits with its code once it
 * exited. SIGINT/SIGTERM reach it (Ctrl-C signals the whole process group; `kill` or npm signal
 * only this process) and this process waits for its shutdown instead of dying first.
 */
function runTs(file, args = []) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, file), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  // Killed by a signal: the shell's convention, 128 + its number.
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

module.exports = { ensureNodeModules, runTs, root };
