import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFirmwareManifest } from './firmware-keys';
import { runFirmwareCli } from './firmware.cli';

describe('dinmeter firmware', () => {
  let dir: string;
  let out: string;
  let err: string;

  const cli = async (...argv: string[]) => {
    out = '';
    err = '';
    process.exitCode = undefined;
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      await runFirmwareCli(argv);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const code = process.exitCode ?? 0;
    process.exitCode = undefined;
    return code;
  };
  const lastLine = () => out.trimEnd().split('\n').pop()!;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dinmeter-firmware-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should make a key pair: the private key 0600, the public key into the module, and never overwrite a key', async () => {
    const key = join(dir, 'firmware.pem');
    const module = join(dir, 'firmware-public-key.ts');
    expect(await cli('keygen', '--key', key, '--module', module)).toBe(0);
    const publicKey = lastLine();
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(module, 'utf8')).toContain(`FIRMWARE_PUBLIC_KEY_HEX: string | undefined = '${publicKey}';`);
    const pem = readFileSync(key, 'utf8');
    expect(await cli('keygen', '--key', key, '--module', module)).toBe(1);
    expect(err).toMatch(/exists: a firmware key is never overwritten/);
    expect(readFileSync(key, 'utf8')).toBe(pem);
  });

  it('should sign the manifest of an image so that the public key verifies it', async () => {
    const key = join(dir, 'firmware.pem');
    await cli('keygen', '--key', key, '--module', join(dir, 'module.ts'));
    const publicKey = lastLine();
    const image = join(dir, 'image.bin');
    writeFileSync(image, Buffer.alloc(3000, 7));
    expect(await cli('sign', image, '--key', key, '--version', '2.1.0')).toBe(0);
    const sha256 = createHash('sha256').update(Buffer.alloc(3000, 7)).digest('hex');
    expect(out).toContain(`version 2.1.0, 3000 bytes, sha256 ${sha256}`);
    expect(verifyFirmwareManifest({ version: '2.1.0', sizeBytes: 3000, sha256 }, lastLine(), publicKey)).toBe(true);
  });

  it('should explain what sign needs and refuse a bad version', async () => {
    expect(await cli('sign', join(dir, 'x.bin'))).toBe(2);
    expect(err).toMatch(/sign needs <image>, --key PEM and --version V/);
    writeFileSync(join(dir, 'x.bin'), 'x');
    await cli('keygen', '--key', join(dir, 'k.pem'), '--module', join(dir, 'm.ts'));
    expect(await cli('sign', join(dir, 'x.bin'), '--key', join(dir, 'k.pem'), '--version', 'has space')).toBe(2);
    expect(err).toMatch(/version "has space" must match/);
  });
});
