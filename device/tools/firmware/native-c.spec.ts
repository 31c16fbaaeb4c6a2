/**
 * The C host functions cannot be built here for the ESP32 (no xtensa toolchain), so the host gcc
 * compiles them against the SDK's XS headers: warnings are errors. ota-flash.native.c is checked
 * twice, as the ESP32 builds it (ESP_PLATFORM, against the ESP-IDF v5 declarations in
 * platform/moddable/esp-idf-stubs) and as the lin virtual board does.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { locateSdk, REPO_ROOT } from './moddable-sdk';

const DEVICE = join(REPO_ROOT, 'device');
const sdk = locateSdk();

function compile(source: string, defines: string[] = [], espIdf = true): string {
  if (!sdk) throw new Error('no Moddable SDK: set $MODDABLE or put shared/moddable-sdk beside the clone (docs/firmware-build.md)');
  const result = spawnSync('gcc', [
    '-fsyntax-only', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter',
    ...defines,
    ...(espIdf ? ['-I', join(DEVICE, 'platform/moddable/esp-idf-stubs')] : []),
    '-I', join(sdk.source, 'xs/includes'),
    '-I', join(sdk.source, 'xs/platforms'),
    join(DEVICE, source),
  ], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return `${result.status}${result.stderr}`;
}

describe('native C modules', () => {
  it('should compile the OTA flash calls against ESP-IDF v5 and for the virtual board', () => {
    expect(compile('platform/moddable/ota-flash.native.c', ['-DESP_PLATFORM'])).toBe('0');
    expect(compile('platform/moddable/ota-flash.native.c')).toBe('0');
  });

  it('should compile the DSP kernels', () => {
    expect(compile('dsp/waveform.kernels.native.c')).toBe('0');
  });

  it('should fail without the ESP-IDF declarations, so the check can fail', () => {
    expect(compile('platform/moddable/ota-flash.native.c', ['-DESP_PLATFORM'], false)).toMatch(/^1.*esp_ota_ops\.h: No such file/s);
  });
});
