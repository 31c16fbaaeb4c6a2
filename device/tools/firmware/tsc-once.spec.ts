import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { typescriptBin } from './firmware-build';
import { REPO_ROOT } from './moddable-sdk';

const REAL_TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const MODULES = { units: 'units', 'lib/meter': 'meter', 'app/main': 'main' } as const;
type Module = keyof typeof MODULES;

/** A modules folder shaped like mcconfig's: a base with `paths`, one tsconfig per module with rootDir "/" and its own outDir. */
function fixture(): { root: string; tsc: string; config: (m: Module) => string; output: (m: Module, ext: string) => string; source: (m: Module) => string } {
  const root = mkdtempSync(join(tmpdir(), 'tsc-once-'));
  const source = (m: Module): string => join(root, 'src', `${m}.ts`);
  const config = (m: Module): string => join(root, 'modules', `${m}-tsconfig.json`);
  const outDir = (m: Module): string => join(root, 'tmp', 'tsc', m);
  const output = (m: Module, ext: string): string => join(outDir(m), source(m).replace(/\.ts$/, ext));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  write(source('units'), 'export const WH_PER_KWH = 1000;\nexport type Wh = number;\n');
  write(source('lib/meter'), "import { WH_PER_KWH, type Wh } from 'units';\nexport function kwh(energy: Wh): number {\n  return energy / WH_PER_KWH;\n}\n");
  write(source('app/main'), "import { kwh } from 'lib/meter';\nconst total: number = kwh(2500);\ntrace(`${total}\\n`);\ndeclare function trace(text: string): void;\n");
  const paths = Object.fromEntries(Object.keys(MODULES).map((m) => [m, [source(m as Module).replace(/\.ts$/, '')]]));
  write(join(root, 'modules', 'tsconfig-base.json'), JSON.stringify({ compilerOptions: { module: 'preserve', target: 'es2022', lib: ['es2022'], sourceMap: true, types: [], paths } }, null, '\t'));
  for (const m of Object.keys(MODULES) as Module[]) {
    const own = { extends: join(root, 'modules', 'tsconfig-base.json'), compilerOptions: { rootDir: '/', outDir: outDir(m) }, files: [source(m)] };
    write(config(m), JSON.stringify(own, null, '\t'));
  }
  return { root, tsc: join(typescriptBin(join(root, 'bin')), 'tsc'), config, output, source };
}

type Fixture = ReturnType<typeof fixture>;

function tsc(f: Fixture, m: Module): { status: number | null; stdout: string } {
  return spawnSync(f.tsc, ['-p', f.config(m)], { cwd: f.root, encoding: 'utf8' });
}

function tscAsync(f: Fixture, m: Module): Promise<number | null> {
  return new Promise((done) => spawn(f.tsc, ['-p', f.config(m)], { cwd: f.root, stdio: 'ignore' }).on('exit', done));
}

function compiles(f: Fixture): number {
  try {
    const [programs] = readdirSync(join(f.root, 'bin', 'programs'));
    return readFileSync(join(f.root, 'bin', 'programs', programs, 'compiles.log'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe('tsc-once', () => {
  const fixtures: Fixture[] = [];
  const make = (): Fixture => {
    const f = fixture();
    fixtures.push(f);
    return f;
  };
  afterAll(() => fixtures.forEach((f) => rmSync(f.root, { recursive: true, force: true })));

  it("should write each module's JavaScript and source map byte for byte as its own tsc run does", () => {
    const f = make();
    for (const m of Object.keys(MODULES) as Module[]) expect(spawnSync(process.execPath, [REAL_TSC, '-p', f.config(m)], { cwd: f.root }).status).toBe(0);
    const expected = join(f.root, 'expected');
    cpSync(join(f.root, 'tmp'), expected, { recursive: true });
    rmSync(join(f.root, 'tmp'), { recursive: true });
    for (const m of Object.keys(MODULES) as Module[]) {
      expect(tsc(f, m)).toMatchObject({ status: 0, stdout: '' });
      for (const ext of ['.js', '.js.map']) {
        const written = readFileSync(f.output(m, ext), 'utf8');
        expect(written).toBe(readFileSync(f.output(m, ext).replace(join(f.root, 'tmp'), expected), 'utf8'));
      }
    }
    expect(readFileSync(f.output('lib/meter', '.js'), 'utf8')).toContain('energy / WH_PER_KWH');
  });

  it('should compile once for all the calls of a build', () => {
    const f = make();
    for (const m of Object.keys(MODULES) as Module[]) expect(tsc(f, m).status).toBe(0);
    expect(tsc(f, 'units').status).toBe(0);
    expect(compiles(f)).toBe(1);
  });

  it("should fail the erring module's call with tsc's error line, print it once, and pass the clean modules", () => {
    const f = make();
    writeFileSync(f.source('lib/meter'), readFileSync(f.source('lib/meter'), 'utf8').replace('energy / WH_PER_KWH', "'kWh'"));
    const first = tsc(f, 'lib/meter');
    expect(first.status).toBe(2);
    expect(first.stdout).toBe(`src/lib/meter.ts(3,3): error TS2322: Type 'string' is not assignable to type 'number'.\n`);
    expect(tsc(f, 'units')).toMatchObject({ status: 0, stdout: '' });
    expect(tsc(f, 'lib/meter')).toMatchObject({ status: 2, stdout: first.stdout });
    expect(compiles(f)).toBe(1);
  });

  it('should compile again after a source is edited, and after the output is deleted', () => {
    const f = make();
    expect(tsc(f, 'units').status).toBe(0);
    writeFileSync(f.source('units'), 'export const WH_PER_KWH = 1e3;\nexport type Wh = number;\n');
    expect(tsc(f, 'units').status).toBe(0);
    expect(compiles(f)).toBe(2);
    expect(readFileSync(f.output('units', '.js'), 'utf8')).toContain('1e3');
    rmSync(join(f.root, 'tmp'), { recursive: true });
    expect(tsc(f, 'app/main').status).toBe(0);
    expect(compiles(f)).toBe(3);
    expect(readFileSync(f.output('app/main', '.js'), 'utf8')).toContain('kwh(2500)');
  });

  it('should compile once when make runs the calls at the same time', async () => {
    const f = make();
    const statuses = await Promise.all((Object.keys(MODULES) as Module[]).map((m) => tscAsync(f, m)));
    expect(statuses).toEqual([0, 0, 0]);
    expect(compiles(f)).toBe(1);
    for (const m of Object.keys(MODULES) as Module[]) expect(readFileSync(f.output(m, '.js'), 'utf8')).toContain('sourceMappingURL');
  });

  it('should run the real tsc for every module when the tsconfigs differ in more than outDir', () => {
    const f = make();
    const config = JSON.parse(readFileSync(f.config('lib/meter'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    writeFileSync(f.config('lib/meter'), JSON.stringify({ ...config, compilerOptions: { ...config.compilerOptions, removeComments: true } }));
    for (const m of Object.keys(MODULES) as Module[]) expect(tsc(f, m).status).toBe(0);
    expect(compiles(f)).toBe(0);
    expect(readFileSync(f.output('app/main', '.js'), 'utf8')).toContain('kwh(2500)');
  });

  it('should hand any other invocation to the real tsc', () => {
    const f = make();
    expect(spawnSync(f.tsc, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^Version 6\./);
    expect(spawnSync(f.tsc, ['-p', f.config('units')], { cwd: f.root, encoding: 'utf8', env: { ...process.env, DINMETER_TSC_PER_MODULE: '1' } }).status).toBe(0);
    expect(compiles(f)).toBe(0);
  });
});
