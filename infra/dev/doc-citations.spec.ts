/**
 * The repository stands on its own: code and docs cite only documents it contains. Fails on a
 * citation of a design brief or facts file that lives outside the repository, on a relative path
 * that leaves it, on a `docs/….md` or markdown link that does not resolve (anchor included), and on
 * an "invariant N" that docs/invariants.md does not define.
 * One exception: `../shared/fixtures` next to the repository holds optional real-data test fixtures
 * (README, "Tests"); tests skip or fall back when it is absent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', '.git', '.data', '.tmp', '.cache', 'dist', 'coverage', 'hil-output']);
const TEXT = /\.(ts|js|cjs|mjs|md|json|conf|acl|ya?ml|csv|service|env|sh|txt)$/;
const OPTIONAL_OUTSIDE = resolve(ROOT, '..', 'shared', 'fixtures');
const THIS_FILE = relative(ROOT, __filename);

/** Citations of documents that exist only outside the repository. */
const OUTSIDE_DOCS: [RegExp, string][] = [
  [/\bDESIGN\.md\b/, 'DESIGN.md (the design brief is not in the repository: cite docs/invariants.md)'],
  [/\bSTYLE\.md\b/, 'STYLE.md (not in the repository)'],
  [/\bfacts\/|\bfacts file\b|\bfacts: |\bfacts "/, 'a facts file (not in the repository: cite docs/atm90e26.md)'],
  [/\/work\//, 'an absolute path of the machine the code was written on'],
];

function repoFiles(dir = ROOT, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) repoFiles(path, out);
    else if (TEXT.test(name) && name !== 'package-lock.json') out.push(path);
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdownFile: string): Set<string> {
  const text = readFileSync(markdownFile, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingSlug(m[1])));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Every problem in one file, as `path:line: what`. */
export function citationProblems(file: string, text: string, invariants: Set<number>): string[] {
  const rel = relative(ROOT, file);
  const problems: string[] = [];
  const report = (index: number, what: string) => problems.push(`${rel}:${lineOf(text, index)}: ${what}`);

  for (const [pattern, what] of OUTSIDE_DOCS) {
    for (const m of text.matchAll(new RegExp(pattern, 'g'))) report(m.index!, `cites ${what}`);
  }
  // Relative paths (../x, ../../x) that leave the repository.
  for (const m of text.matchAll(/(?<![\w.])((?:\.\.\/)+)[\w@][\w./@-]*/g)) {
    const target = resolve(dirname(file), m[0]);
    const inside = target === ROOT || target.startsWith(ROOT + sep);
    if (!inside && !(target === OPTIONAL_OUTSIDE || target.startsWith(OPTIONAL_OUTSIDE + sep))) {
      report(m.index!, `cites ${m[0]}, a path outside the repository`);
    }
  }
  // docs/….md named anywhere, from the repository root.
  for (const m of text.matchAll(/(?<![\w./-])docs\/[\w./-]*?\.md\b/g)) {
    if (!existsSync(join(ROOT, m[0]))) report(m.index!, `cites ${m[0]}, which does not exist`);
  }
  // Markdown links to files of the repository, relative to the linking file, with their anchors.
  if (file.endsWith('.md')) {
    for (const m of text.matchAll(/\]\(([^)\s]+?)\)/g)) {
      const [path, anchor] = m[1].split('#');
      if (/^[a-z]+:/i.test(path)) continue; // http:, mailto:
      const target = path === '' ? file : resolve(dirname(file), path);
      if (!existsSync(target)) report(m.index!, `links to ${m[1]}, which does not exist`);
      else if (anchor && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
        report(m.index!, `links to ${m[1]}: no heading with that anchor`);
      }
    }
  }
  for (const m of text.matchAll(/\binvariants? (\d+)\b/gi)) {
    if (!invariants.has(Number(m[1]))) report(m.index!, `cites invariant ${m[1]}, which docs/invariants.md does not define`);
  }
  return problems;
}

function definedInvariants(): Set<number> {
  const text = readFileSync(join(ROOT, 'docs', 'invariants.md'), 'utf8');
  return new Set([...text.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1])));
}

describe('documents the code cites', () => {
  it('should define numbered invariants 1–5 in docs/invariants.md', () => {
    expect([...definedInvariants()]).toEqual([1, 2, 3, 4, 5]);
  });

  it('should cite only documents and paths inside the repository, and only ones that exist', () => {
    const invariants = definedInvariants();
    const problems = repoFiles()
      .filter((file) => relative(ROOT, file) !== THIS_FILE)
      .flatMap((file) => citationProblems(file, readFileSync(file, 'utf8'), invariants));
    expect(problems).toEqual([]);
  });

  it('should catch each kind of bad citation', () => {
    const file = join(ROOT, 'device', 'drivers', 'x.ts');
    const problems = citationProblems(
      file,
      [
        '// DESIGN.md invariant 2',
        '// see /shared/facts/atm90e26.md',
        "const p = '../../../outside/thing.md';",
        "const f = '../../../shared/fixtures/prices';",
        '// docs/nothing-here.md',
        '// docs/invariants.md invariant 9',
        '// docs/atm90e26.md "SPI"',
      ].join('\n'),
      new Set([1, 2]),
    );
    expect(problems).toEqual([
      'device/drivers/x.ts:1: cites DESIGN.md (the design brief is not in the repository: cite docs/invariants.md)',
      'device/drivers/x.ts:2: cites a facts file (not in the repository: cite docs/atm90e26.md)',
      'device/drivers/x.ts:3: cites ../../../outside/thing.md, a path outside the repository',
      'device/drivers/x.ts:5: cites docs/nothing-here.md, which does not exist',
      'device/drivers/x.ts:6: cites invariant 9, which docs/invariants.md does not define',
    ]);
    const md = join(ROOT, 'docs', 'x.md');
    expect(citationProblems(md, '[a](invariants.md#2-relays-are-safe) [b](invariants.md#7-nope) [c](gone.md) [d](https://x.org/y.md)', new Set([1, 2]))).toEqual([
      'docs/x.md:1: links to invariants.md#7-nope: no heading with that anchor',
      'docs/x.md:1: links to gone.md, which does not exist',
    ]);
  });
});
