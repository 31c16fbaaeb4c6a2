import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const FIXTURES = join(ROOT, '../shared/fixtures/prices');

function cli(script: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(ROOT, script), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const prices = (args: string[], input?: string) => cli('backend/src/prices/prices.cli.ts', args, input);
const plan = (args: string[], input?: string) => cli('backend/src/automation/plan.cli.ts', args, input);

describe('prices + plan CLIs', () => {
  it('should parse a fixture to a JSON array and plan on it through a pipe', () => {
    const parsed = prices(['parse', join(FIXTURES, 'response-PT60M.xml')]);
    expect(parsed.status).toBe(0);
    expect(parsed.stderr).toBe('');
    const slots = JSON.parse(parsed.stdout);
    expect(slots).toHaveLength(48);
    expect(slots[0]).toEqual({ start: '2025-11-25T23:00:00Z', end: '2025-11-26T00:00:00Z', price: 0.10406 });

    const window = plan(['--prices', '-', '--duration', '180', '--power', '2000'], parsed.stdout);
    expect(window.stderr).toBe('');
    expect(JSON.parse(window.stdout)).toEqual({
      start: '2025-11-26T01:00:00Z',
      end: '2025-11-26T04:00:00Z',
      cost: 0.59916, // 2 kWh per hour × (0.09997 + 0.0998 + 0.09981) EUR/kWh
      worstCost: 1.76598,
      averageCost: 0.895583556,
      savings: 0.296423556,
      savingsVsWorst: 1.16682,
      energyKwh: 6,
    });
  });

  it('should plan non-contiguous blocks with --min-block and --max-blocks', () => {
    const parsed = prices(['parse', join(FIXTURES, 'response-PT15M.xml'), '--position', '1']);
    const out = plan(
      [
        '--prices',
        '-',
        '--duration',
        '120',
        '--power',
        '2000',
        '--non-contiguous',
        '--min-block',
        '30',
        '--max-blocks',
        '2',
        '--to',
        '2025-10-31T23:00Z',
      ],
      parsed.stdout,
    );
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.slots).toEqual([
      { start: '2025-10-31T01:15:00Z', end: '2025-10-31T02:30:00Z' },
      { start: '2025-10-31T22:15:00Z', end: '2025-10-31T23:00:00Z' },
    ]);
    expect(result.cost).toBeLessThan(result.averageCost);
  });

  it('should report bad arguments on stderr with exit 2 and no stack trace', () => {
    for (const args of [
      ['--prices', 'x.json', '--duration', 'ten', '--power', '1'],
      ['--duration', '10'],
      ['--prices', '/nonexistent.json', '--duration', '10', '--power', '1'],
    ]) {
      const out = plan(args);
      expect(out.status).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^plan: /);
      expect(out.stderr).not.toMatch(/\n\s+at /);
    }
    const tooLong = plan(
      ['--prices', '-', '--duration', '3000', '--power', '1'],
      '[{"start":"2025-01-01T00:00Z","end":"2025-01-01T01:00Z","price":1}]',
    );
    expect(tooLong).toMatchObject({ status: 2, stderr: expect.stringMatching(/shorter than the run/) });
  });

  it('should report bad price input with the file and place, exit 1', () => {
    const out = prices(
      ['parse', '-', '--format', 'json'],
      '[{"start":"2025-01-01T00:00Z","end":"2025-01-01T01:00Z","price":null}]',
    );
    expect(out).toEqual({
      status: 1,
      stdout: '',
      stderr: 'prices: stdin: JSON prices: [0].price must be a finite number, got null\n',
    });
    expect(prices(['parse', 'a.xml', '--format', 'xml']).status).toBe(2);
  });
});
