import { ctCalibration, ctModel, ctMvPerA, METER_FRONT_END } from '@dinmeter/shared';
import { BOARD_CALIBRATION, BOARD_FRONT_END } from './front-end';

describe('board front end', () => {
  it("should match the shared front end the CT models' calibration is computed for", () => {
    const { pga, voltageMvAtVref, vrefV, meterConstant } = METER_FRONT_END;
    expect(BOARD_FRONT_END).toMatchObject({ pga, voltageMvAtVref, vrefV, meterConstant });
    expect(BOARD_FRONT_END.currentMvPerA).toBeCloseTo(ctMvPerA(ctModel('SCT-013-000')!), 9);
  });

  it("should be the SCT-013-000 model's calibration", () => {
    expect(BOARD_CALIBRATION).toMatchObject(ctCalibration(ctModel('SCT-013-000')!));
  });
});
