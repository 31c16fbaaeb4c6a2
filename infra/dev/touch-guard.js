// Test preload (`node -r @swc-node/register -r ./touch-guard.js tool.ts --help`): any attempt to
// start a process, open a TCP connection or write, create or delete a file prints `TOUCHED <what>` on
// stderr and throws, so a test can prove that a command touched nothing. Exempt: the compile cache
// of @swc-node/register (the test's runner, not the tool), SWC_NODE_CACHE_DIR or <tmp>/swc-node-*.
'use strict';
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const writeSync = fs.writeSync;
const swcCache = process.env.SWC_NODE_CACHE_DIR || path.join(os.tmpdir(), 'swc-node-');
const isSwcCache = (target) => typeof target === 'string' && target.startsWith(swcCache);

function guard(target, names, what) {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function guarded(...args) {
      if (isSwcCache(args[0])) return original.apply(this, args);
      const detail = typeof args[0] === 'string' || args[0] instanceof URL ? ` ${String(args[0])}` : '';
      writeSync(2, `TOUCHED ${what}.${name}${detail}\n`);
      throw new Error(`touch-guard: ${what}.${name} called`);
    };
  }
}

guard(childProcess, ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'child_process');
guard(net.Socket.prototype, ['connect'], 'net.Socket');
guard(net, ['connect', 'createConnection'], 'net');
guard(net.Server.prototype, ['listen'], 'net.Server');
const writers = ['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync',
  'rm', 'rmSync', 'rmdir', 'rmdirSync', 'unlink', 'unlinkSync', 'rename', 'renameSync', 'copyFile', 'copyFileSync',
  'truncate', 'truncateSync', 'createWriteStream'];
guard(fs, writers, 'fs');
guard(fs.promises, writers.filter((n) => !n.endsWith('Sync') && n !== 'createWriteStream'), 'fs.promises');
const openSync = fs.openSync;
fs.openSync = function guardedOpenSync(file, flags, ...rest) {
  if (flags !== undefined && flags !== 'r' && flags !== fs.constants.O_RDONLY && !isSwcCache(file)) {
    writeSync(2, `TOUCHED fs.openSync ${String(file)} ${String(flags)}\n`);
    throw new Error('touch-guard: fs.openSync for writing');
  }
  return openSync.call(this, file, flags, ...rest);
};
