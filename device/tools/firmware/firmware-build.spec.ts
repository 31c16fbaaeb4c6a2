import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIssues, idfProblem } from './firmware-build';
import { locateSdk } from './moddable-sdk';

describe('buildIssues', () => {
  it('should find TypeScript errors among the tool output, and nothing in a clean log', () => {
    const log = [
      '# tsc mqtt.adapter.ts',
      "/x/device/platform/moddable/mqtt.adapter.ts(35,28): error TS2304: Cannot find name 'MqttTransport'.",
      '# typescript compile failure',
      'make: *** [/x/makefile:812: /x/tmp/mqtt.adapter.js] Error 1',
      '# xsc main.xsb',
      "/x/listener.js:26: warning: cannot optimize native!",
      '### 603 instances, 2117 keys, 68 colors, 0 holes',
    ].join('\n');
    expect(buildIssues(log)).toEqual([
      { stage: 'typescript', line: "/x/device/platform/moddable/mqtt.adapter.ts(35,28): error TS2304: Cannot find name 'MqttTransport'." },
      { stage: 'make', line: 'make: *** [/x/makefile:812: /x/tmp/mqtt.adapter.js] Error 1' },
    ]);
    expect(buildIssues('# xsc main.xsb\n# xsl modules\n### 603 instances, 2117 keys, 68 colors, 0 holes\n')).toEqual([]);
  });

  it('should report the errors of xsc, xsl and mcconfig', () => {
    expect(buildIssues('/x/a.js:3: error: missing ;\n# error: dinmeter firmware: esp32 or lin only!\nError: mcconfig: no manifest').map((i) => i.stage)).toEqual([
      'xs',
      'sdk',
      'mcconfig',
    ]);
  });
});

describe('locateSdk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dinmeter-sdk-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fakeSdk = (root: string): void => {
    mkdirSync(join(root, 'tools'), { recursive: true });
    writeFileSync(join(root, 'tools', 'mcconfig.js'), '');
  };

  it('should use $MODDABLE in place, and refuse one that is not an SDK', () => {
    fakeSdk(join(dir, 'sdk'));
    expect(locateSdk({ MODDABLE: join(dir, 'sdk') }, join(dir, 'clone'))).toEqual({ source: join(dir, 'sdk'), inPlace: true });
    expect(() => locateSdk({ MODDABLE: dir }, join(dir, 'clone'))).toThrow(/not a Moddable SDK/);
  });

  it('should find shared/moddable-sdk beside the clone or above it, else nothing', () => {
    expect(locateSdk({}, join(dir, 'work', 'clone'))).toBeUndefined();
    fakeSdk(join(dir, 'shared', 'moddable-sdk'));
    expect(locateSdk({}, join(dir, 'work', 'clone'))).toEqual({ source: join(dir, 'shared', 'moddable-sdk'), inPlace: false });
  });
});

describe('idfProblem', () => {
  it('should explain a missing or fake ESP-IDF', () => {
    expect(idfProblem({})).toMatch(/IDF_PATH is not set/);
    expect(idfProblem({ IDF_PATH: tmpdir() })).toMatch(/no export.sh/);
  });
});
