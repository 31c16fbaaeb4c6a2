/**
 * The Moddable SDK this repository builds the firmware with, prepared once per clone:
 * - `$MODDABLE` when set (the user's own SDK checkout, used in place), else
 * - a writable copy of `shared/moddable-sdk` found beside the clone (`../shared`, as in CI), kept in
 *   the user's cache (`$DINMETER_CACHE`, else `$XDG_CACHE_HOME/dinmeter`, else `~/.cache/dinmeter`),
 *   one folder per SDK fingerprint, shared by every clone of the user (the shared folder is read-only).
 * Its host tools (xsc, xsid, xsl, mcconfig, mcrez, …; xst on request) are built there once with the
 * recipe of the SDK's lin makefiles (docs/firmware-build.md) and reused while the stamp matches; a
 * lock folder keeps two clones from building the same tools at once.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
/** Build outputs of mcconfig (`-o`): never inside the SDK, so a user's SDK stays untouched. */
export const OUTPUT_DIR = join(CACHE_DIR, 'firmware');

/** The user's cache of prepared SDK copies (outside any clone, so a fresh clone reuses the built tools). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DINMETER_CACHE) return resolve(env.DINMETER_CACHE);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'dinmeter');
}

interface ToolBuild {
  tool: string;
  /** Command run in build/makefiles/lin; `$XS` is the SDK's xs folder, `$SDK` its root. */
  command: string[];
}

/** The tool builds, in order (build/makefiles/lin/makefile): xsc first, the others call it from PATH. */
const TOOLS: readonly ToolBuild[] = [
  { tool: 'xsc', command: ['make', 'GOAL=release', '-f', '$XS/makefiles/lin/xsc.mk'] },
  { tool: 'xsid', command: ['make', 'GOAL=release', '-f', '$XS/makefiles/lin/xsid.mk'] },
  { tool: 'xsl', command: ['make', 'GOAL=release', '-f', '$XS/makefiles/lin/xsl.mk'] },
  { tool: 'mcconfig', command: ['make', 'GOAL=release', '-f', 'tools.mk'] },
];
/** The simulator host that runs lin builds (a Piu app of the SDK, built with mcconfig). */
const MCSIM: ToolBuild = {
  tool: 'mcsim',
  command: ['$BIN/mcconfig', '-m', '-p', 'x-lin', '$SDK/tools/mcsim/manifest.json'],
};
/** The XS shell: runs modules headless without the Moddable runtime (npm run bench:device). */
const XST: ToolBuild = { tool: 'xst', command: ['make', 'GOAL=release', '-f', '$XS/makefiles/lin/xst.mk'] };

export interface SdkLocation {
  /** Where the SDK sources come from. */
  source: string;
  /** true: `$MODDABLE`, built and used in place; false: copied into the user's cache (userCacheDir). */
  inPlace: boolean;
}

export interface Sdk {
  root: string;
  /** The host tools (build/bin/lin/release). */
  bin: string;
  location: SdkLocation;
}

/** `$MODDABLE`, else `shared/moddable-sdk` in the nearest ancestor of the clone; undefined when neither exists. */
export function locateSdk(
  env: NodeJS.ProcessEnv = process.env,
  repoRoot = REPO_ROOT,
): SdkLocation | undefined {
  if (env.MODDABLE) {
    if (!existsSync(join(env.MODDABLE, 'tools', 'mcconfig.js')))
      throw new Error(`$MODDABLE=${env.MODDABLE} is not a Moddable SDK (no tools/mcconfig.js)`);
    return { source: resolve(env.MODDABLE), inPlace: true };
  }
  for (let dir = dirname(repoRoot); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'moddable-sdk');
    if (existsSync(join(candidate, 'tools', 'mcconfig.js'))) return { source: candidate, inPlace: false };
    if (dirname(dir) === dir) return undefined;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What the cached copy was made from: a change of SDK version (SOURCES.md, readme, tools' VERSION) rebuilds it. */
function sourceFingerprint(source: string): string {
  const hash = createHash('sha256');
  for (const file of ['SOURCES.md', 'tools/VERSION', 'xs/includes/xs.h']) {
    const path = join(source, file);
    if (existsSync(path)) hash.update(file).update(readFileSync(path));
  }
  return hash.digest('hex').slice(0, 16);
}

export interface PrepareOptions {
  /** Also build mcsim (to run the lin build: the virtual board). */
  mcsim?: boolean;
  /** Also build xst (the XS shell, for `npm run bench:device`). */
  xst?: boolean;
  log?: (line: string) => void;
}

/** The environment every SDK tool runs in: MODDABLE, and the tools first on PATH. */
export function sdkEnv(sdk: Sdk, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    MODDABLE: sdk.root,
    XS_DIR: join(sdk.root, 'xs'),
    BUILD_DIR: join(sdk.root, 'build'),
    PATH: `${sdk.bin}${delimiter}${base.PATH ?? ''}`,
  };
}

/**
 * Copies the SDK into the cache when needed and builds the host tools that are missing. Returns at
 * once when everything is there (the usual case after the first run of a clone).
 */
export function prepareSdk(location: SdkLocation, options: PrepareOptions = {}): Sdk {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (location.inPlace)
    return buildTools(
      { root: location.source, bin: join(location.source, 'build', 'bin', 'lin', 'release'), location },
      options,
      log,
    );
  const fingerprint = sourceFingerprint(location.source);
  const root = join(userCacheDir(), `moddable-sdk-${fingerprint}`);
  const sdk: Sdk = { root, bin: join(root, 'build', 'bin', 'lin', 'release'), location };
  return withLock(`${root}.lock`, log, () => {
    const stampPath = join(root, '.dinmeter-sdk.json');
    if (!existsSync(stampPath)) {
      log(`firmware: copying the Moddable SDK from ${location.source} to ${root}`);
      const partial = `${root}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
      mkdirSync(dirname(root), { recursive: true });
      cpSync(location.source, partial, { recursive: true });
      spawnSync('chmod', ['-R', 'u+w', partial]);
      writeFileSync(
        join(partial, '.dinmeter-sdk.json'),
        JSON.stringify({ fingerprint, from: location.source }, null, 2),
      );
      renameSync(partial, root);
    }
    return buildTools(sdk, options, log);
  });
}

/** Builds the host tools that are missing; returns at once when all are there. */
function buildTools(sdk: Sdk, options: PrepareOptions, log: (line: string) => void): Sdk {
  const { root } = sdk;
  const wanted = [...TOOLS, ...(options.mcsim ? [MCSIM] : []), ...(options.xst ? [XST] : [])];
  const missing = wanted.filter(({ tool }) => !executable(join(sdk.bin, tool)));
  if (missing.length === 0) return sdk;
  if (!existsSync(join(root, 'build', 'makefiles', 'lin')))
    throw new Error(`${root}: no build/makefiles/lin (the host tools build only on Linux here)`);
  const env = sdkEnv(sdk);
  for (const { tool, command } of missing) {
    const started = Date.now();
    log(`firmware: building the SDK tool ${tool} (once per SDK version) …`);
    const [program, ...args] = command.map((part) =>
      part.replace('$XS', join(root, 'xs')).replace('$SDK', root).replace('$BIN', sdk.bin),
    );
    const result = spawnSync(program, args, {
      cwd: join(root, 'build', 'makefiles', 'lin'),
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0 || !executable(join(sdk.bin, tool))) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
      throw new Error(
        `building ${tool} failed (${command.join(' ')} in ${root}/build/makefiles/lin):\n${output}\n${toolHint(output)}`,
      );
    }
    log(`firmware: ${tool} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return sdk;
}

/** A lock held by another live process is waited for this long (a cold tool build takes minutes). */
const LOCK_WAIT_MS = 20 * 60 * 1000;

/**
 * Runs `work` holding the lock folder `path` (mkdir is atomic). A lock whose owner process is gone is
 * taken over; one held by a live process is waited for.
 */
function withLock<T>(path: string, log: (line: string) => void, work: () => T): T {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lockOwnerAlive(path)) {
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `${path}: still held by another build after ${LOCK_WAIT_MS / 60000} min; remove it if no build runs`,
        );
      if (!told) log(`firmware: waiting for another build preparing the SDK (${path}) …`);
      told = true;
      spawnSync('sleep', ['1']);
    }
  }
  try {
    return work();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

function lockOwnerAlive(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(path, 'pid'), 'utf8'));
  } catch {
    // Just created, pid not written yet: alive unless it is old.
    try {
      return Date.now() - statSync(path).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The Debian packages behind the usual tool-build failures. */
function toolHint(output: string): string {
  if (/gtk|gdk|glib/i.test(output)) return 'Install libgtk-3-dev (mcconfig and the simulator link GTK 3).';
  if (/flex|bison|gperf|: not found|command not found/i.test(output))
    return 'Install build-essential flex bison gperf libgtk-3-dev.';
  return '';
}
