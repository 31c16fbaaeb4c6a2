/**
 * The `tsc` that mcconfig's makefile runs, once per `.ts` module: `tsc -p <modules>/<dir>/<name>-tsconfig.json`,
 * each tsconfig extending `<modules>/tsconfig-base.json`, listing one file, with `rootDir: "/"` and its own
 * `outDir`. Run per module, tsc type-checks that module's whole import graph again (3–15 s each, 142 times in
 * the lin build). This script compiles ONE program over the files of every `*-tsconfig.json` of the modules
 * folder on the first such call, writes each module's JavaScript and source map where its own tsc would have,
 * and keeps the diagnostics in a result file; the other calls of the build (make -j: concurrent) wait on a lock
 * and answer from that result. Any other invocation runs the real tsc, and so does every one when
 * DINMETER_TSC_PER_MODULE=1 (mcconfig's own way, for comparison). See docs/firmware-build.md.
 *
 * typescriptBin() (firmware-build.ts) transpiles this file into the firmware cache and runs it with node as
 * `tsc-once.js <typescript package folder> <tsc arguments…>`: it needs nothing but Node and that package.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type * as TS from 'typescript';

const CONFIG_SUFFIX = '-tsconfig.json';
const BASE_CONFIG = 'tsconfig-base.json';
/** tsc's exit status when it reported errors and still wrote the JavaScript (ExitStatus.DiagnosticsPresent_OutputsGenerated). */
const EXIT_ERRORS = 2;
const WAIT_STEP_MS = 50;
/** A lock folder without its owner's pid after this long was left by a killed process. */
const LOCK_WITHOUT_PID_MS = 10_000;

/** One module's tsconfig as mcconfig writes it. */
interface ModuleConfig {
  path: string;
  outDir: string;
  files: string[];
  options: TS.CompilerOptions;
}

/** What the compiling call leaves for the others. Diagnostics are kept formatted, as tsc prints them. */
interface ProgramResult {
  key: string;
  /** The tsconfigs differ in more than outDir: each call runs the real tsc. */
  perModule: boolean;
  /** Every file read or written, with the mtime and size it had: any change means compile again. */
  files: [path: string, mtimeMs: number, size: number][];
  /** Diagnostics without a file (options, global) and the count of errors among them. */
  general: { text: string; errors: number };
  bySource: Record<string, { text: string; errors: number }>;
  /** Each module tsconfig's own source files. */
  modules: Record<string, string[]>;
  errors: number;
}

function main(argv: string[]): number {
  const [typescriptDir, ...args] = argv;
  const own = process.env.DINMETER_TSC_PER_MODULE === '1' ? undefined : ownModuleConfig(args);
  if (!own) return realTsc(typescriptDir, args);
  const modulesDir = dirname(own.base);
  const configPaths = moduleConfigPaths(modulesDir, own.base);
  if (!configPaths.includes(own.path)) return realTsc(typescriptDir, args);
  const stateDir = join(__dirname, 'programs', sha256(modulesDir).slice(0, 16));
  mkdirSync(stateDir, { recursive: true });
  // The tsconfigs are written anew by every mcconfig run: their text is the key, not their mtime.
  const key = sha256([own.base, ...configPaths].map((p) => `${p}\n${readFileSync(p, 'utf8')}`).join('\n'));
  const respond = (result: ProgramResult): number => (result.perModule ? realTsc(typescriptDir, args) : answer(result, own.path));
  for (;;) {
    const result = currentResult(stateDir, key);
    if (result) return respond(result);
    if (takeLock(stateDir)) {
      try {
        const again = currentResult(stateDir, key); // written while this call looked
        if (again) return respond(again);
        const ts = createRequire(join(typescriptDir, 'package.json'))(typescriptDir) as typeof TS;
        const configs = parseModuleConfigs(ts, configPaths);
        const compiled = configs ? compile(ts, configs, key) : perModule(configPaths, key);
        writeAtomically(join(stateDir, 'result.json'), JSON.stringify(compiled));
        if (compiled.perModule) return realTsc(typescriptDir, args);
        appendFileSync(join(stateDir, 'compiles.log'), `${new Date().toISOString()} pid ${process.pid}: ${configs?.length} modules, ${compiled.errors} errors\n`);
        process.stdout.write(compiled.general.text + Object.values(compiled.bySource).map((d) => d.text).join(''));
        return compiled.errors > 0 ? EXIT_ERRORS : 0;
      } finally {
        rmSync(join(stateDir, 'lock'), { recursive: true, force: true });
      }
    }
    sleep(WAIT_STEP_MS);
  }
}

/** The tsconfig of `tsc -p <modules>/…/<name>-tsconfig.json` when it extends the modules folder's base, else undefined. */
function ownModuleConfig(args: string[]): { path: string; base: string } | undefined {
  if (args.length !== 2 || args[0] !== '-p' || !args[1].endsWith(CONFIG_SUFFIX)) return undefined;
  const path = resolve(args[1]);
  const base = readJson(path)?.extends;
  if (typeof base !== 'string' || !base.endsWith(`/${BASE_CONFIG}`)) return undefined;
  const basePath = resolve(dirname(path), base);
  return path.startsWith(`${dirname(basePath)}/`) ? { path, base: basePath } : undefined;
}

/** Every module tsconfig under the modules folder that extends its base. */
function moduleConfigPaths(modulesDir: string, base: string): string[] {
  return (readdirSync(modulesDir, { recursive: true }) as string[])
    .filter((name) => name.endsWith(CONFIG_SUFFIX))
    .map((name) => join(modulesDir, name))
    .filter((path) => resolve(dirname(path), String(readJson(path)?.extends)) === base)
    .sort();
}

/**
 * The module tsconfigs parsed as tsc parses them. Undefined (so: the real tsc, per module) when one has errors
 * or they differ in anything but `outDir`: one program needs one set of options.
 */
function parseModuleConfigs(ts: typeof TS, paths: string[]): ModuleConfig[] | undefined {
  const cache = new Map<string, TS.ExtendedConfigCacheEntry>();
  const host: TS.ParseConfigFileHost = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
  const configs: ModuleConfig[] = [];
  let shared: string | undefined;
  for (const path of paths) {
    const parsed = ts.getParsedCommandLineOfConfigFile(path, undefined, host, cache);
    if (!parsed || parsed.errors.length > 0 || !parsed.options.outDir) return undefined;
    const { outDir, configFilePath: _configFilePath, ...options } = parsed.options;
    if (shared !== undefined && JSON.stringify(options) !== shared) return undefined;
    shared = JSON.stringify(options);
    configs.push({ path, outDir, files: parsed.fileNames, options: parsed.options });
  }
  return configs;
}

/** The result that sends every call of this build to the real tsc. */
function perModule(configPaths: string[], key: string): ProgramResult {
  return { key, perModule: true, files: stats(configPaths), modules: {}, general: { text: '', errors: 0 }, bySource: {}, errors: 0 };
}

/**
 * One program over every module's files, with the options all the tsconfigs share; diagnostics gathered as tsc
 * gathers them (syntactic, then options and global, then semantic). Each module's own files are emitted under its
 * own outDir; a source map's `sources` is made relative to where the map lands, as its own tsc would write it.
 */
function compile(ts: typeof TS, configs: ModuleConfig[], key: string): ProgramResult {
  const options = configs[0].options;
  const program = ts.createProgram({ rootNames: [...new Set(configs.flatMap((c) => c.files))], options });
  const diagnostics: TS.Diagnostic[] = [...program.getSyntacticDiagnostics()];
  if (diagnostics.length === 0) {
    diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    if (diagnostics.length === 0) diagnostics.push(...program.getSemanticDiagnostics());
  }
  const written: string[] = [];
  const emitOutDir = configs[0].outDir;
  for (const config of configs) {
    for (const file of config.files) {
      const source = program.getSourceFile(file);
      if (!source) continue;
      const emitted = program.emit(source, (fileName, text) => {
        const target = join(config.outDir, relative(emitOutDir, fileName));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, fileName.endsWith('.map') ? relocatedSourceMap(text, dirname(fileName), dirname(target)) : text);
        written.push(target);
      });
      diagnostics.push(...emitted.diagnostics);
    }
  }
  const host: TS.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
  const format = (list: TS.Diagnostic[]): { text: string; errors: number } => ({
    text: ts.formatDiagnostics(list, host),
    errors: list.filter((d) => d.category === ts.DiagnosticCategory.Error).length,
  });
  const sorted = ts.sortAndDeduplicateDiagnostics(diagnostics);
  const bySource: Record<string, TS.Diagnostic[]> = {};
  for (const d of sorted) if (d.file) (bySource[d.file.fileName] ??= []).push(d);
  const inputs = [...configs.map((c) => c.path), ...program.getSourceFiles().map((s) => s.fileName), ...written];
  const formatted = Object.fromEntries(Object.entries(bySource).map(([file, list]) => [file, format(list)]));
  return {
    key,
    perModule: false,
    files: stats(inputs),
    modules: Object.fromEntries(configs.map((c) => [c.path, c.files])),
    general: format(sorted.filter((d) => !d.file)),
    bySource: formatted,
    errors: sorted.filter((d) => d.category === ts.DiagnosticCategory.Error).length,
  };
}

/** A source map emitted in `fromDir`, for `toDir`: its `sources` are relative to the map's own folder. */
function relocatedSourceMap(text: string, fromDir: string, toDir: string): string {
  const map = JSON.parse(text) as { sources: string[]; sourceRoot?: string };
  if (map.sourceRoot) return text;
  map.sources = map.sources.map((source) => relative(toDir, resolve(fromDir, source)));
  return JSON.stringify(map);
}

/** The result of this build's program when it is still true of the files on disk, else undefined. */
function currentResult(stateDir: string, key: string): ProgramResult | undefined {
  const result = readJson(join(stateDir, 'result.json')) as ProgramResult | undefined;
  if (result?.key !== key) return undefined;
  for (const [path, mtimeMs, size] of result.files) {
    if (!existsSync(path)) return undefined;
    const stat = statSync(path);
    if (stat.mtimeMs !== mtimeMs || stat.size !== size) return undefined;
  }
  return result;
}

/** This module's diagnostics and exit status: non-zero for its own errors or the program's general ones. */
function answer(result: ProgramResult, configPath: string): number {
  const own = (result.modules[configPath] ?? []).map((f) => result.bySource[f]).filter((d) => d !== undefined);
  process.stdout.write(own.map((d) => d.text).join(''));
  return own.some((d) => d.errors > 0) || result.general.errors > 0 ? EXIT_ERRORS : 0;
}

/** Atomic mkdir: the one process that creates `lock` compiles. A lock whose owner died is removed. */
function takeLock(stateDir: string): boolean {
  const lock = join(stateDir, 'lock');
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (lockAbandoned(lock)) {
    try {
      renameSync(lock, `${lock}.stale-${process.pid}`);
      rmSync(`${lock}.stale-${process.pid}`, { recursive: true, force: true });
    } catch {
      // another waiter removed it first
    }
  }
  return false;
}

function lockAbandoned(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true;
    if (code !== 'ENOENT') return false;
    try {
      return Date.now() - statSync(lock).mtimeMs > LOCK_WITHOUT_PID_MS;
    } catch {
      return false;
    }
  }
}

function realTsc(typescriptDir: string, args: string[]): number {
  return spawnSync(process.execPath, [join(typescriptDir, 'bin', 'tsc'), ...args], { stdio: 'inherit' }).status ?? 1;
}

function stats(paths: string[]): ProgramResult['files'] {
  return paths.map((path) => {
    const stat = statSync(path);
    return [path, stat.mtimeMs, stat.size];
  });
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.${process.pid}`, text);
  renameSync(`${path}.${process.pid}`, path);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
