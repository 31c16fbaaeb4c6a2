/**
 * Runs the Moddable SDK's own build of device/manifest.json:
 * - `checkEsp32`: mcconfig for esp32 through the TypeScript, xsc and xsl stages, without ESP-IDF
 *   (mcconfig only reads the IDF version from `$IDF_PATH`; a stand-in git repository tagged v6.0
 *   serves). Every TypeScript, xsc, xsl and make error fails it.
 * - `buildLin`: the same manifest for the lin host platform: the virtual board (device/platform/lin).
 * - `buildEsp32` / `flashEsp32`: the real image with a real ESP-IDF (`$IDF_PATH` with export.sh).
 * Build folders of earlier runs are deleted first: tsc writes JavaScript even when it reports
 * errors, so a stale folder would let make skip a failing file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import * as ts from 'typescript';
import { OUTPUT_DIR, REPO_ROOT, Sdk, sdkEnv } from './moddable-sdk';

export const MANIFEST = join(REPO_ROOT, 'device', 'manifest.json');
/** mcconfig names the app after the manifest's folder. */
export const APP_NAME = basename(dirname(MANIFEST));
/** The ESP-IDF version mcconfig is told (it selects IDF-specific build rules). */
const STAND_IN_IDF_VERSION = 'v6.0';

export interface BuildIssue {
  /** `typescript`, `xsc`, `xsl`, `mcconfig`, `make`. */
  stage: string;
  line: string;
}

export interface BuildResult {
  ok: boolean;
  issues: BuildIssue[];
  seconds: number;
  /** Combined output, for the log. */
  output: string;
}

/**
 * The TypeScript compiler mcconfig runs (`tsc` from PATH): the project's own, TypeScript 6, which
 * accepts the "es2025" target of mcconfig's generated tsconfig (5.9 does not). A `tsc` in `dir` put
 * first on PATH, so a different global tsc cannot slip in. It runs tsc-once.ts (transpiled beside it):
 * the makefile's one `tsc -p <module>-tsconfig.json` per module becomes one program per build.
 */
export function typescriptBin(dir = join(OUTPUT_DIR, 'tsc')): string {
  const pkg = join(REPO_ROOT, 'node_modules', 'typescript');
  if (!existsSync(join(pkg, 'package.json'))) throw new Error('node_modules/typescript is missing: run npm ci');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  if (Number(version.split('.')[0]) < 6) throw new Error(`mcconfig's tsconfig targets es2025, which needs TypeScript 6; node_modules has ${version}`);
  mkdirSync(dir, { recursive: true });
  const once = ts.transpileModule(readFileSync(join(__dirname, 'tsc-once.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const script = `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'tsc-once.js')}" "${pkg}" "$@"\n`;
  // Rewritten only when they changed: another build may be running them (npm test builds in the background).
  writeIfChanged(join(dir, 'tsc-once.js'), once, 0o644);
  writeIfChanged(join(dir, 'tsc'), script, 0o755);
  return dir;
}

/** Written beside and renamed into place, so a build running the old file never reads half of the new one. */
function writeIfChanged(path: string, text: string, mode: number): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(`${path}.${process.pid}`, text, { mode });
  renameSync(`${path}.${process.pid}`, path);
}

function buildEnv(sdk: Sdk, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = sdkEnv(sdk, { ...process.env, ...extra });
  env.PATH = `${typescriptBin()}${delimiter}${env.PATH}`;
  return env;
}

/** An empty git repository with the annotated tag mcconfig reads the IDF version from. */
export function standInIdf(): string {
  const dir = join(OUTPUT_DIR, 'idf-version-only');
  if (existsSync(join(dir, '.git'))) return dir;
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]): void => {
    const result = spawnSync('git', ['-c', 'user.name=dinmeter', '-c', 'user.email=dinmeter@localhost', ...args], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} in ${dir} failed: ${result.stderr}`);
  };
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'stand-in for ESP-IDF: mcconfig reads only the version tag');
  git('tag', '-a', STAND_IN_IDF_VERSION, '-m', STAND_IN_IDF_VERSION);
  return dir;
}

/** The error lines of a build log, by stage. tsc prints `file(l,c): error TSnnnn: …`; the SDK tools `# error …`. */
export function buildIssues(output: string): BuildIssue[] {
  const issues: BuildIssue[] = [];
  for (const line of output.split('\n')) {
    if (/\berror TS\d+:/.test(line)) issues.push({ stage: 'typescript', line: line.trim() });
    else if (/^# typescript compile failure/.test(line)) continue; // follows the TS errors it sums up
    else if (/^#\s*(xsc|xsl|mcrez|mcconfig)?.*\berror\b/i.test(line) || /^### error/i.test(line)) issues.push({ stage: 'sdk', line: line.trim() });
    else if (/:\d+: error:/.test(line) || /^# (xsc|xsl)\b.*(error|failed)/i.test(line)) issues.push({ stage: 'xs', line: line.trim() });
    else if (/^make(\[\d+\])?: \*\*\*/.test(line)) issues.push({ stage: 'make', line: line.trim() });
    else if (/^Error: /.test(line)) issues.push({ stage: 'mcconfig', line: line.trim() });
  }
  return issues;
}

interface Run {
  status: number;
  output: string;
}

/** Runs a command with its output both captured and (when `echo`) streamed. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; echo?: boolean }): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      if (options.echo) process.stdout.write(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', fail);
    child.once('close', (code, signal) => done({ status: code ?? (signal ? 128 : 1), output }));
  });
}

export interface BuildOptions {
  echo?: boolean;
}

/** mcconfig's folders for the app; lin builds go under the simulator subplatform `mc`. */
function platformDirs(platform: string, variant: 'debug' | 'release'): { tmp: string; bin: string } {
  const parts = platform === 'lin' ? ['lin', 'mc', variant, APP_NAME] : [platform, variant, APP_NAME];
  return { tmp: join(OUTPUT_DIR, 'tmp', ...parts), bin: join(OUTPUT_DIR, 'bin', ...parts) };
}

/** Deletes the app's build folders of a platform (not the SDK's compiled libraries beside them). */
export function removeStaleBuild(platform: string, variant: 'debug' | 'release'): void {
  const { tmp, bin } = platformDirs(platform, variant);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(bin, { recursive: true, force: true });
}

/**
 * esp32 through TypeScript, xsc and xsl: `mcconfig -d -p esp32` (without -m) writes the makefile,
 * then make runs the module stages. The C compile needs ESP-IDF and is not attempted.
 */
export async function checkEsp32(sdk: Sdk, options: BuildOptions = {}): Promise<BuildResult> {
  const started = Date.now();
  removeStaleBuild('esp32', 'debug');
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const env = buildEnv(sdk, { IDF_PATH: standInIdf() });
  const configured = await run('mcconfig', ['-d', '-p', 'esp32', '-o', OUTPUT_DIR, MANIFEST], { cwd: dirname(MANIFEST), env, echo: options.echo });
  let output = configured.output;
  const { tmp } = platformDirs('esp32', 'debug');
  const makefile = join(tmp, 'makefile');
  if (configured.status !== 0 || !existsSync(makefile)) {
    const issues = buildIssues(output);
    if (issues.length === 0) issues.push({ stage: 'mcconfig', line: `mcconfig exited with ${configured.status} and wrote no ${makefile}` });
    return { ok: false, issues, seconds: (Date.now() - started) / 1000, output };
  }
  // The targets are xsl's output (every module through tsc and xsc first) and mcrez's. Both also
  // depend on the IDF's sdkconfig.h: naming mc.xs.c as SDKCONFIG_H drops that prerequisite.
  // -k: report every failing module, not only the first.
  const archive = join(tmp, 'mc.xs.c');
  const made = await run('make', ['-k', `-j${availableParallelism()}`, '-f', makefile, `SDKCONFIG_H=${archive}`, archive, join(tmp, 'mc.resources.c')], {
    cwd: tmp,
    env,
    echo: options.echo,
  });
  output += made.output;
  const issues = buildIssues(output);
  if (made.status !== 0 && issues.length === 0) issues.push({ stage: 'make', line: `make exited with ${made.status}` });
  return { ok: made.status === 0 && issues.length === 0, issues, seconds: (Date.now() - started) / 1000, output };
}

/** Sizes of the files in a folder tree, for the report (xsl's archive, the XS heap snapshot). */
export function fileSizes(dir: string, pattern: RegExp): Record<string, number> {
  const sizes: Record<string, number> = {};
  if (!existsSync(dir)) return sizes;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (pattern.test(name)) sizes[name] = statSync(join(dir, name)).size;
  }
  return sizes;
}

/** Why `$IDF_PATH` is not a usable ESP-IDF, or undefined when it is. */
export function idfProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const idf = env.IDF_PATH;
  if (!idf) return '$IDF_PATH is not set (install ESP-IDF as the Moddable SDK documents: documentation/devices/esp32.md)';
  if (!existsSync(join(idf, 'export.sh'))) return `$IDF_PATH=${idf} has no export.sh: not an ESP-IDF checkout`;
  return undefined;
}

/** The real ESP32 image (release): mcconfig runs the IDF's export.sh and its CMake build. */
export async function buildEsp32(sdk: Sdk, board: string, options: BuildOptions = {}): Promise<BuildResult> {
  return mcconfigMake(sdk, ['-m', '-p', board, '-t', 'build'], options);
}

/** Builds and flashes over `port` (mcconfig's UPLOAD_PORT), then the meter restarts into the image. */
export async function flashEsp32(sdk: Sdk, board: string, port: string, options: BuildOptions = {}): Promise<BuildResult> {
  return mcconfigMake(sdk, ['-m', '-p', board, '-t', 'deploy'], options, { UPLOAD_PORT: port });
}

/** The virtual board: the same manifest for lin (debug: the XS heap and stack figures in trace). */
export async function buildLin(sdk: Sdk, options: BuildOptions = {}): Promise<BuildResult> {
  removeStaleBuild('lin', 'debug');
  return mcconfigMake(sdk, ['-d', '-m', '-p', 'lin', '-t', 'build'], options);
}

/** The built virtual board (mcsim loads it), or undefined before `buildLin`. */
export function linImage(): string | undefined {
  const image = join(platformDirs('lin', 'debug').bin, 'mc.so');
  return existsSync(image) ? image : undefined;
}

async function mcconfigMake(sdk: Sdk, args: string[], options: BuildOptions, extraEnv: NodeJS.ProcessEnv = {}): Promise<BuildResult> {
  const started = Date.now();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const env = buildEnv(sdk, { MAKEFLAGS: `-j${availableParallelism()}`, ...extraEnv });
  const made = await run('mcconfig', [...args, '-o', OUTPUT_DIR, MANIFEST], { cwd: dirname(MANIFEST), env, echo: options.echo });
  const issues = buildIssues(made.output);
  if (made.status !== 0 && issues.length === 0) issues.push({ stage: 'mcconfig', line: `mcconfig exited with ${made.status}` });
  return { ok: made.status === 0 && issues.length === 0, issues, seconds: (Date.now() - started) / 1000, output: made.output };
}

/** Newest modification time of the firmware's sources (device/, shared/src, the manifest). */
function newestSourceMs(): number {
  let newest = 0;
  for (const root of [join(REPO_ROOT, 'device'), join(REPO_ROOT, 'shared', 'src')]) {
    for (const name of readdirSync(root, { recursive: true }) as string[]) {
      if (name.includes('node_modules') || !/\.(ts|js|json)$/.test(name)) continue;
      newest = Math.max(newest, statSync(join(root, name)).mtimeMs);
    }
  }
  return newest;
}

/** The lin image, rebuilt when missing or older than a source file. */
export async function ensureLinImage(sdk: Sdk, options: BuildOptions = {}): Promise<string> {
  const image = linImage();
  if (image && statSync(image).mtimeMs >= newestSourceMs()) return image;
  const result = await buildLin(sdk, options);
  const built = linImage();
  if (!result.ok || !built) throw new Error(`lin build failed:\n${result.issues.map((i) => `[${i.stage}] ${i.line}`).join('\n')}\n${result.output.slice(-3000)}`);
  return built;
}
