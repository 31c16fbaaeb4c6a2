import { parseHilArgs } from './hil';

describe(parseHilArgs.name, () => {
  it('should default to the scenarios on the simulated rig', () => {
    expect(parseHilArgs([])).toEqual({ rig: 'sim', emulated: false, suite: 'scenarios', quick: false, failFast: false });
  });

  it('should take a bench config, scenarios and the production suite', () => {
    expect(parseHilArgs(['--rig', 'bench', '--config', 'b.json', '--scenarios', 'walking-skeleton,accuracy'])).toMatchObject({
      rig: 'bench',
      config: expect.stringMatching(/\/b\.json$/),
      scenarios: ['walking-skeleton', 'accuracy'],
    });
    expect(parseHilArgs(['--rig', 'bench', '--emulated', '--suite', 'production', '--serial', 'SN-1', '--fail-fast'])).toMatchObject({
      suite: 'production',
      serial: 'SN-1',
      failFast: true,
      emulated: true,
    });
  });

  it.each([
    [['--rig', 'hardware'], '--rig must be sim or bench, got "hardware"'],
    [['--rig', 'bench'], '--rig bench needs either --config FILE or --emulated'],
    [['--rig', 'bench', '--config', 'b.json', '--emulated'], '--rig bench needs either --config FILE or --emulated'],
    [['--config', 'b.json'], '--config and --emulated are for --rig bench'],
    [['--suite', 'production', '--serial', 'SN'], 'the production suite runs on a bench: --rig bench'],
    [['--rig', 'bench', '--emulated', '--suite', 'production'], 'the production suite needs --serial SERIAL'],
    [['--rig', 'bench', '--emulated', '--suite', 'production', '--serial', '../etc'], '--serial must be 1-64 of A-Z a-z 0-9 . _ -, got "../etc"'],
    [['--serial', 'SN'], '--serial, --device and --fail-fast belong to --suite production'],
    [['--scenarios', '../x'], '--scenarios takes scenario names'],
    [['--rig'], "option '--rig <value>' argument missing"],
    [['--verbose'], 'unknown option --verbose'],
    [['--quik'], 'unknown option --quik (did you mean --quick?)'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseHilArgs(argv as string[])).toThrow(message);
  });
});
