/**
 * The native DSP kernels, built with the Moddable SDK into a lin image and run there (mcsim on
 * Xvfb): the analyzer's vectors pass on them, and every taped burst gives the same figures as the
 * portable TypeScript kernels. Builds the image when it is missing or stale (~2.5 min of CPU).
 */
import { locateSdk, prepareSdk, Sdk } from '../tools/firmware/moddable-sdk';
import { buildSelftest, runSelftest, SelftestResult, selftestImageFresh } from './native-selftest';

jest.setTimeout(900_000);

const location = locateSdk();
if (!location) process.stdout.write('native DSP self-test SKIPPED: no Moddable SDK ($MODDABLE, or shared/moddable-sdk beside the clone)\n');
const describeWithSdk = location ? describe : describe.skip;

describeWithSdk('native DSP kernels inside the lin image', () => {
  let result: SelftestResult;

  beforeAll(async () => {
    const sdk: Sdk = prepareSdk(location!, { mcsim: true });
    if (!selftestImageFresh()) await buildSelftest(sdk);
    result = await runSelftest(sdk);
  });

  it('should pass every analyzer vector on the native kernels', () => {
    expect(result.vectors.length).toBeGreaterThan(20);
    expect(result.vectors.filter((vector) => vector.error !== undefined)).toEqual([]);
  });

  it('should give the portable kernels figures on every taped burst', () => {
    expect(result.agreement.bursts).toBeGreaterThan(0);
    expect(result.agreement.statusMismatches).toBe(0);
    expect(result.agreement.maxDifference).toBeLessThanOrEqual(1e-12);
  });

  it('should publish the taped records when the device replays with either kernel set', () => {
    expect(result.sameRecords).toBe(true);
  });
});
