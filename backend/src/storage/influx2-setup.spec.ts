import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TIERS, tierAggregates } from './retention';
import { historyTask, influx2Buckets, influx2Dbrp, influx2Files, tierTask } from './influx2-setup';

const DIR = join(__dirname, '..', '..', '..', 'infra', 'influxdb2');

describe('InfluxDB 2.x setup', () => {
  it.each(Object.entries(influx2Files()))('should match the committed infra/influxdb2/%s (else retention.cli.ts --influx2 infra/influxdb2)', (file, text) => {
    expect(readFileSync(join(DIR, file), 'utf8')).toBe(text);
  });

  describe(tierTask.name, () => {
    it.each(DEFAULT_TIERS.map((t, i) => [t.every, i] as const))('should aggregate every field of the %s tier the way its 1.x continuous query does', (_, index) => {
      const flux = tierTask(index);
      for (const a of tierAggregates(index === 0)) {
        const pipeline = flux.split('\n\n').find((block) => block.includes(`fn: ${a.fn},`));
        expect([a.field, pipeline]).toEqual([a.field, expect.stringContaining(`r._field == "${a.source}"`)]);
        if (a.field !== a.source) expect(pipeline).toContain(`set(key: "_field", value: "${a.field}")`);
      }
      expect(flux).toContain(`to(bucket: "dinmeter_${DEFAULT_TIERS[index].every}")`);
      expect(flux).toContain(`every: ${DEFAULT_TIERS[index].every}`);
    });
  });

  it('should map every policy the 1.x setup has to a bucket, with the same retention', () => {
    expect(influx2Dbrp('dinmeter')).toEqual({
      'dinmeter/': 'dinmeter',
      'dinmeter/autogen': 'dinmeter',
      'dinmeter/rp_1m': 'dinmeter_1m',
      'dinmeter/rp_15m': 'dinmeter_15m',
      'dinmeter/rp_history': 'dinmeter_history',
    });
    expect(influx2Buckets('site', '45d').map((b) => [b.name, b.retention])).toEqual([
      ['site', '45d'],
      ['site_1m', '400d'],
      ['site_15m', '0'],
      ['site_history', '0'],
    ]);
    expect(historyTask()).toContain('to(bucket: "dinmeter_history")');
  });
});
