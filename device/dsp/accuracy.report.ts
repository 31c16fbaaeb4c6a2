/**
 * Prints the measured errors of the accuracy battery (the figures quoted in README.md).
 * Run: node -r @swc-node/register device/dsp/accuracy.report.ts
 */
import { ACCURACY_CASES, measureCase } from './testing/accuracy.cases';

const percent = (x: number): string => (Number.isFinite(x) ? (x * 100).toFixed(3) : '—').padStart(7);
const fixed = (x: number, digits: number): string => x.toFixed(digits).padStart(7);

const lines = [`${'case'.padEnd(54)}   P %   Vrms %  Irms %  f mHz   Q1/S %   dpf     THDv    THDi   THDi(1459)`];
for (const accuracyCase of ACCURACY_CASES) {
  const e = measureCase(accuracyCase);
  lines.push(
    [
      accuracyCase.name.padEnd(54),
      percent(e.powerRelative),
      percent(e.voltageRmsRelative),
      percent(e.currentRmsRelative),
      fixed(e.frequencyHz * 1000, 3),
      percent(e.reactiveOfApparent),
      fixed(e.displacementPowerFactor, 5),
      fixed(e.thdVoltage, 5),
      fixed(e.thdCurrent, 5),
      fixed(e.residualThdCurrent, 5),
    ].join(' '),
  );
}
console.log('Absolute errors against analytic truth (200 ms bursts at 10 kHz; THD columns are absolute fractions):');
console.log(lines.join('\n'));
