import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan, retentionStatements } from './retention';
import { InfluxStatementResult } from './storage.types';

const plan: RetentionPlan = { db: 'dinmeter', rawKeep: '30d', tiers: [...DEFAULT_TIERS] };

describe('retention', () => {
  describe('downsampleSelect', () => {
    it('should average instantaneous fields, keep the last counter value and the peak power', () => {
      const select = downsampleSelect(plan, 0);
      expect(select).toContain('mean("power_w") AS "power_w"');
      expect(select).toContain('last("energy_import_wh") AS "energy_import_wh"');
      expect(select).toContain('last("reactive_export_varh") AS "reactive_export_varh"');
      expect(select).toContain('max("power_w") AS "power_w_max"');
      expect(select).toContain('INTO "dinmeter"."rp_1m"."circuit" FROM "dinmeter".."circuit"');
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
    for (const statement of [s.createDatabase, s.alterRaw!, ...s.tiers.flatMap((t) => [t.createRp, t.createCq])]) {
      expect(readme).toContain(`${statement};`);
    }
  });

  describe('ensureRetention', () => {
    it('should create missing policies, alter existing ones and replace an existing CQ', async () => {
      const ran: string[] = [];
      const answer = (q: string): InfluxStatementResult[] => {
        if (q.startsWith('SHOW RETENTION')) {
          return [{ statement_id: 0, series: [{ name: '', columns: ['name', 'default'], values: [['autogen', true], ['rp_1m', false]] }] }];
        }
        if (q.startsWith('SHOW CONTINUOUS')) {
          return [{ statement_id: 0, series: [{ name: 'dinmeter', columns: ['name', 'query'], values: [['cq_circuit_1m', '…']] }, { name: 'other', columns: ['name', 'query'], values: [['cq_circuit_15m', '…']] }] }];
        }
        return [{ statement_id: 0, series: [] }];
      };
      await ensureRetention(async (q) => (ran.push(q), answer(q)), plan);
      expect(ran.map((q) => q.split(' ').slice(0, 4).join(' '))).toEqual([
        'CREATE DATABASE "dinmeter"',
        'SHOW RETENTION POLICIES ON',
        'ALTER RETENTION POLICY "autogen"',
        'SHOW CONTINUOUS QUERIES',
        'ALTER RETENTION POLICY "rp_1m"',
        'DROP CONTINUOUS QUERY "cq_circuit_1m"',
        'CREATE CONTINUOUS QUERY "cq_circuit_1m"',
        'CREATE RETENTION POLICY "rp_15m"',
        'CREATE CONTINUOUS QUERY "cq_circuit_15m"',
      ]);
    });
  });
});
