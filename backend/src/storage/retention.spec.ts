import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_HISTORY, DEFAULT_TIERS, downsampleSelect, durationMs, ensureRetention, RetentionPlan, retentionStatements } from './retention';
import { InfluxStatementResult } from './storage.types';

const plan: RetentionPlan = { db: 'dinmeter', rawKeep: '30d', tiers: [...DEFAULT_TIERS], history: { ...DEFAULT_HISTORY } };

describe('retention', () => {
  describe('downsampleSelect', () => {
    it('should average instantaneous fields, keep the last counter value and the peak power', () => {
      const select = downsampleSelect(plan, 0);
      expect(select).toContain('mean("power_w") AS "power_w"');
      expect(select).toContain('last("energy_import_wh") AS "energy_import_wh"');
      expect(select).toContain('last("reactive_export_varh") AS "reactive_export_varh"');
      expect(select).toContain('max("power_w") AS "power_w_max"');
      expect(select).toContain('INTO "dinmeter"."rp_1m"."circuit" FROM "dinmeter"."autogen"."circuit"');
    });

    it('should read the previous tier and fold its peak again', () => {
      const select = downsampleSelect(plan, 1, { from: 0, to: 900000 });
      expect(select).toContain('max("power_w_max") AS "power_w_max"');
      expect(select).toContain('FROM "dinmeter"."rp_1m"."circuit" WHERE time >= 0ms AND time < 900000ms GROUP BY time(15m), "device", "circuit"');
    });
  });

  it('should refuse a malformed duration', () => {
    expect(() => retentionStatements({ ...plan, rawKeep: '30 days' })).toThrow(/"30 days" is not a duration/);
  });

  it('should be documented with exactly the statements it runs', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'infra', 'influxdb', 'README.md'), 'utf8');
    const s = retentionStatements(plan);
    for (const statement of [s.createDatabase, s.alterRaw!, s.history!.createRp, ...s.tiers.flatMap((t) => [t.createRp, t.createCq])]) {
      expect(readme).toContain(`${statement};`);
    }
  });

  it('should read durations as InfluxQL writes them and as SHOW RETENTION POLICIES prints them', () => {
    expect(durationMs('30d')).toBe(30 * 86400e3);
    expect(durationMs('720h0m0s')).toBe(30 * 86400e3);
    expect(durationMs('9600h0m0s')).toBe(durationMs('400d'));
    expect([durationMs('INF'), durationMs('0s')]).toEqual([Infinity, Infinity]);
    expect(() => durationMs('30 days')).toThrow(/not a duration/);
  });

  describe('ensureRetention', () => {
    const show = (policies: [string, string, boolean][], cqs: [string, string][]) => (q: string): InfluxStatementResult[] => {
      if (q === 'SHOW DATABASES') return [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['dinmeter']] }] }];
      if (q.startsWith('SHOW RETENTION')) return [{ statement_id: 0, series: [{ name: '', columns: ['name', 'duration', 'default'], values: policies }] }];
      if (q.startsWith('SHOW CONTINUOUS')) {
        return [{ statement_id: 0, series: [{ name: 'dinmeter', columns: ['name', 'query'], values: cqs }, { name: 'other', columns: ['name', 'query'], values: [['cq_circuit_15m', '…']] }] }];
      }
      return [{ statement_id: 0, series: [] }];
    };

    it('should create missing policies, alter a differing one, replace a differing CQ and copy history once', async () => {
      const ran: string[] = [];
      const answer = show([['autogen', '0s', true], ['rp_1m', '48h0m0s', false]], [['cq_circuit_1m', '…']]);
      const state = await ensureRetention(async (q) => (ran.push(q), answer(q)), plan);
      expect(state.changed.map((q) => q.split(' ').slice(0, 4).join(' '))).toEqual([
        'ALTER RETENTION POLICY "autogen"',
        'CREATE RETENTION POLICY "rp_history"',
        'SELECT * INTO "dinmeter"."rp_history".:MEASUREMENT',
        'ALTER RETENTION POLICY "rp_1m"',
        'DROP CONTINUOUS QUERY "cq_circuit_1m"',
        'CREATE CONTINUOUS QUERY "cq_circuit_1m"',
        'CREATE RETENTION POLICY "rp_15m"',
        'CREATE CONTINUOUS QUERY "cq_circuit_15m"',
      ]);
      expect(state).toMatchObject({ defaultRp: 'autogen', createdTiers: ['rp_15m'], rawKeepMs: 30 * 86400e3 });
    });

    it('should change nothing when the database already matches the plan (as InfluxDB prints it)', async () => {
      const s = retentionStatements(plan);
      const printed = (q: string) => q.replace(/"/g, '');
      const answer = show(
        [['autogen', '720h0m0s', true], ['rp_history', '0s', false], ['rp_1m', '9600h0m0s', false], ['rp_15m', '0s', false]],
        s.tiers.map((t, i) => [`cq_circuit_${DEFAULT_TIERS[i].every}`, printed(t.createCq)]),
      );
      const ran: string[] = [];
      const state = await ensureRetention(async (q) => (ran.push(q), answer(q)), plan);
      expect(state.changed).toEqual([]);
      expect(ran.every((q) => q.startsWith('SHOW'))).toBe(true);
    });
  });
});
