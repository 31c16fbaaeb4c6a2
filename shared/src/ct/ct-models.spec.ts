import { CT_MODELS, ctCalibration, ctModel, ctMvPerA, ctRangeA } from './ct-models';

describe('CT models', () => {
  describe('ctMvPerA', () => {
    it('should put a current output through the 12 Ω burden and take a voltage output as it is', () => {
      expect(ctMvPerA(ctModel('SCT-013-000')!)).toBeCloseTo(6, 9);
      expect(ctMvPerA(ctModel('SCT-013-030')!)).toBeCloseTo(33.333, 3);
      expect(ctMvPerA(ctModel('SCT-013-100')!)).toBeCloseTo(10, 9);
    });
  });

  describe('ctCalibration', () => {
    it("should give the chip's power-on IgainL and the board's PLconst for the board's own CT", () => {
      // docs/atm90e26.md: 6 mV/A, 193 mV at 230 V, 3200 imp/kWh → PLconst ≈ 1 319 838.
      expect(ctCalibration(ctModel('SCT-013-000')!)).toEqual({ plconst: 1319838, igainL: 0x7a13, pga: 1, ctRatio: 1, meterConstant: 3200 });
    });

    it('should scale IgainL down and PLconst up with the signal per ampere', () => {
      const board = ctCalibration(ctModel('SCT-013-000')!);
      const sct030 = ctCalibration(ctModel('SCT-013-030')!);
      expect(sct030.igainL).toBe(Math.round((0x7a13 * 6) / (1000 / 30)));
      expect(sct030.plconst / board.plconst).toBeCloseTo(1000 / 30 / 6, 5);
    });

    it('should give every listed model registers that fit', () => {
      for (const model of CT_MODELS) {
        const cal = ctCalibration(model);
        expect(cal.igainL).toBeGreaterThan(0);
        expect(cal.igainL).toBeLessThanOrEqual(0xffff);
        expect(cal.plconst).toBeLessThanOrEqual(0xffffffff);
      }
    });
  });

  describe('ctRangeA', () => {
    it('should start the range at 1 % of the rating', () => {
      expect(ctRangeA(ctModel('SCT-013-030')!)).toEqual({ minA: 0.3, ratedA: 30 });
    });
  });

  it('should list unique ids and know nothing of unknown ones', () => {
    expect(new Set(CT_MODELS.map((m) => m.id)).size).toBe(CT_MODELS.length);
    expect(ctModel('SCT-999')).toBeUndefined();
  });
});
