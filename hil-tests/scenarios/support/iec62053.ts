/**
 * IEC 62053-21 (static meters for active energy, classes 1 and 2), class 1, direct-connected meter,
 * single-phase load: the percentage error limits of its Table 6 (accuracy requirements at reference
 * conditions) for a meter rated Ib (basic current) and Imax — this board is 10(60) A
 * (device/board/front-end.ts BOARD_RATING).
 *   PF 1:                  0.05 Ib ≤ I < 0.1 Ib  ±1.5 %    0.1 Ib ≤ I ≤ Imax  ±1.0 %
 *   PF 0.5 ind, 0.8 cap:   0.1 Ib ≤ I < 0.2 Ib   ±1.5 %    0.2 Ib ≤ I ≤ Imax  ±1.0 %
 */
import { BOARD_RATING } from '../../../device/board/front-end';
import type { LoadPoint } from '../../rig/rig';

export interface TestPoint extends LoadPoint {
  /** "0.05 Ib", "Imax" … */
  label: string;
  /** Percentage error limit. */
  limitPercent: number;
}

const IB = BOARD_RATING.basicCurrentA;
const IMAX = BOARD_RATING.maxCurrentA;

function point(multiple: number, of: 'Ib' | 'Imax', pf: number, lagging: boolean): TestPoint {
  const currentA = multiple * (of === 'Ib' ? IB : IMAX);
  const lowerLimitUpTo = pf === 1 ? 0.1 * IB : 0.2 * IB;
  return {
    label: `${multiple === 1 ? '' : `${multiple} `}${of}`,
    currentA,
    pf,
    lagging,
    limitPercent: currentA < lowerLimitUpTo - 1e-9 ? 1.5 : 1.0,
  };
}

/** Every class 1 test point: PF 1 from 0.05 Ib, PF 0.5 inductive and 0.8 capacitive from 0.1 Ib, up to Imax. */
export const CLASS_1_POINTS: readonly TestPoint[] = Object.freeze([
  ...[0.05, 0.1, 0.2, 0.5, 1].map((m) => point(m, 'Ib', 1, true)),
  point(0.5, 'Imax', 1, true),
  point(1, 'Imax', 1, true),
  ...[0.1, 0.2, 0.5, 1].map((m) => point(m, 'Ib', 0.5, true)),
  point(1, 'Imax', 0.5, true),
  ...[0.1, 0.2, 0.5, 1].map((m) => point(m, 'Ib', 0.8, false)),
  point(1, 'Imax', 0.8, false),
]);

/** The short run (CI): each power factor at its lowest point and at Imax, plus Ib at PF 1. */
export const CLASS_1_QUICK_POINTS: readonly TestPoint[] = Object.freeze(
  CLASS_1_POINTS.filter((p) => ['0.05 Ib', 'Ib', 'Imax'].includes(p.label) && p.pf === 1).concat(
    CLASS_1_POINTS.filter((p) => p.pf !== 1 && ['0.1 Ib', 'Imax'].includes(p.label)),
  ),
);

export function pfLabel(p: LoadPoint): string {
  return p.pf === 1 ? '1' : `${p.pf} ${p.lagging ? 'ind' : 'cap'}`;
}
