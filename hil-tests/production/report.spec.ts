import { generateKeyPairSync } from 'node:crypto';
import { htmlReport, junitXml } from './report';
import { canonicalJson, signRecord, TestRecord, verifyRecord } from './test-record';

const record: TestRecord = {
  v: 1,
  serial: 'SN-<1>',
  deviceId: 'dm-a4cf120b3c7d',
  result: 'fail',
  startedAt: '2026-12-07T04:00:00.000Z',
  finishedAt: '2026-12-07T04:02:00.000Z',
  station: { id: 'st-1', bench: 'line 1' },
  firmware: 'dinmeter 0.1.0',
  instruments: { source: 'Chroma 61502' },
  calibration: { '1': { ugain: 0x6720, igainL: 0x7a13, lgain: 0 } },
  checks: [
    { name: 'chips', ok: false, message: 'circuit 4: failed "dead" & <gone>\u0007', durationMs: 1200, data: { circuit: 4 } },
    { name: 'circuit 1 measure', ok: false, skipped: true, message: 'not run', durationMs: 0 },
    { name: 'firmware', ok: true, message: 'dinmeter 0.1.0', durationMs: 10 },
  ],
};

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe('production test record', () => {
  it('should sign the canonical JSON, independent of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, b: null }] })).toBe('{"a":[{"b":null,"d":2}],"b":1}');
    const signature = signRecord(record, privateKey);
    const { checks, ...rest } = record;
    const reordered = JSON.parse(JSON.stringify({ checks, ...Object.fromEntries(Object.entries(rest).reverse()) })) as TestRecord;
    expect(verifyRecord(reordered, signature)).toBe(true);
    expect(verifyRecord(record, signature, publicKey)).toBe(true);
  });

  it('should not verify a changed record, another key, or another algorithm', () => {
    const signature = signRecord(record, privateKey);
    expect(verifyRecord({ ...record, serial: 'SN-2' }, signature)).toBe(false);
    expect(verifyRecord(record, signature, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(verifyRecord(record, { ...signature, algorithm: 'RSA' as 'Ed25519' })).toBe(false);
  });
});

describe(junitXml.name, () => {
  it('should count failures and skips and escape what the meter said', () => {
    const xml = junitXml(record);
    expect(xml).toContain('<testsuite name="production SN-&lt;1&gt;" tests="3" failures="1" skipped="1" time="1.210"');
    expect(xml).toContain('<failure message="circuit 4: failed &quot;dead&quot; &amp; &lt;gone&gt;">');
    expect(xml).toContain('<skipped message="not run"/>');
    expect(xml).toContain('<testcase classname="production.SN-&lt;1&gt;" name="firmware" time="0.010"/>');
    expect(xml).not.toContain('\u0007');
  });
});

describe(htmlReport.name, () => {
  it('should show the verdict, every check and the calibration, escaped', () => {
    const page = htmlReport(record, signRecord(record, privateKey));
    expect(page).toContain('<div class="verdict">FAIL</div>');
    expect(page).toContain('<td>chips</td><td>FAIL</td><td>circuit 4: failed &quot;dead&quot; &amp; &lt;gone&gt;</td>');
    expect(page).toContain('<tr><td>1</td><td>0x6720</td><td>0x7a13</td><td>0x0</td></tr>');
    expect(page).not.toContain('<gone>');
  });
});
