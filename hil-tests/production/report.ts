/** The production test's reports: JUnit XML (for a CI server or an MES) and a one-page HTML per serial number. */
import type { RecordSignature, TestRecord } from './test-record';

/** XML 1.0 allows no C0 control characters but tab, LF and CR: they are dropped. */
const xml = (text: string) =>
  [...text]
    .filter((c) => c >= ' ' || c === '\t' || c === '\n' || c === '\r')
    .join('')
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const html = xml;

export function junitXml(record: TestRecord): string {
  const failures = record.checks.filter((c) => !c.ok && !c.skipped).length;
  const skipped = record.checks.filter((c) => c.skipped).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = record.checks.reduce((sum, c) => sum + c.durationMs, 0);
  const cases = record.checks.map((c) => {
    const open = `    <testcase classname="production.${xml(record.serial)}" name="${xml(c.name)}" time="${seconds(c.durationMs)}"`;
    if (c.skipped) return `${open}>\n      <skipped message="${xml(c.message)}"/>\n    </testcase>`;
    if (!c.ok) return `${open}>\n      <failure message="${xml(c.message)}">${xml(JSON.stringify(c.data ?? {}, null, 2))}</failure>\n    </testcase>`;
    return `${open}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dinmeter production test" tests="${record.checks.length}" failures="${failures}" skipped="${skipped}" time="${seconds(total)}">`,
    `  <testsuite name="production ${xml(record.serial)}" tests="${record.checks.length}" failures="${failures}" skipped="${skipped}" time="${seconds(total)}" timestamp="${xml(record.startedAt)}" hostname="${xml(record.station.id)}">`,
    '    <properties>',
    `      <property name="serial" value="${xml(record.serial)}"/>`,
    `      <property name="device" value="${xml(record.deviceId)}"/>`,
    `      <property name="firmware" value="${xml(record.firmware ?? '')}"/>`,
    `      <property name="result" value="${record.result}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function htmlReport(record: TestRecord, signature: RecordSignature): string {
  const pass = record.result === 'pass';
  const rows = record.checks
    .map((c) => {
      const state = c.skipped ? 'skipped' : c.ok ? 'pass' : 'FAIL';
      return `<tr class="${c.skipped ? 'skip' : c.ok ? 'ok' : 'bad'}"><td>${html(c.name)}</td><td>${state}</td><td>${html(c.message)}</td><td>${(c.durationMs / 1000).toFixed(1)} s</td></tr>`;
    })
    .join('\n');
  const calibration = Object.entries(record.calibration)
    .map(([circuit, cal]) => `<tr><td>${html(circuit)}</td><td>0x${cal.ugain.toString(16)}</td><td>0x${cal.igainL.toString(16)}</td><td>0x${cal.lgain.toString(16)}</td></tr>`)
    .join('\n');
  const instruments = Object.entries(record.instruments)
    .map(([name, id]) => `<li>${html(name)}: ${html(id)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dinmeter production test ${html(record.serial)}: ${pass ? 'PASS' : 'FAIL'}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:24px;max-width:1000px}h1{margin:0 0 4px}
.verdict{font-size:28px;font-weight:700;padding:6px 14px;display:inline-block;color:#fff;background:${pass ? '#1a7f37' : '#cf222e'}}
table{border-collapse:collapse;width:100%;margin:10px 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
tr.bad td{background:#ffebe9}tr.skip td{color:#777}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}
code{font-size:11px;word-break:break-all}@media print{body{margin:0}}
</style></head><body>
<h1>dinmeter production test</h1>
<div class="verdict">${pass ? 'PASS' : 'FAIL'}</div>
<dl>
<dt>serial</dt><dd>${html(record.serial)}</dd><dt>device</dt><dd>${html(record.deviceId)}</dd>
<dt>firmware</dt><dd>${html(record.firmware ?? 'unknown')}</dd>
<dt>station</dt><dd>${html(record.station.id)}${record.station.bench ? ` — ${html(record.station.bench)}` : ''}</dd>
<dt>started</dt><dd>${html(record.startedAt)}</dd><dt>finished</dt><dd>${html(record.finishedAt)}</dd>
</dl>
<h2>Checks</h2>
<table><thead><tr><th>check</th><th>result</th><th>detail</th><th>time</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Calibration written</h2>
<table><thead><tr><th>circuit</th><th>Ugain</th><th>IgainL</th><th>Lgain</th></tr></thead><tbody>
${calibration || '<tr><td colspan="4">none</td></tr>'}
</tbody></table>
<h2>Instruments</h2><ul>${instruments}</ul>
<h2>Signature</h2>
<p>Ed25519 over the canonical JSON of record.json. Station public key (SPKI, base64): <code>${html(signature.publicKey)}</code><br>
Signature: <code>${html(signature.signature)}</code></p>
</body></html>
`;
}
