import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDataDir, runTokenCli } from './token.cli';
import { TokenStore } from './tokens/token-store';

describe('dinmeter token', () => {
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
      await runTokenCli([...argv, '--data-dir', dir]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const code = process.exitCode ?? 0;
    process.exitCode = undefined;
    return code;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-token-cli-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should print a token the store knows as the last stdout line of create', async () => {
    expect(await cli('create', '--role', 'control', '--label', 'wall panel')).toBe(0);

    const token = out.trimEnd().split('\n').pop()!;
    expect(TokenStore.inDataDir(dir).verify(token)).toMatchObject({ role: 'control', label: 'wall panel' });
  });

  it('should list tokens without their hashes and revoke one by id', async () => {
    await cli('create', '--role', 'read');
    await cli('list', '--json');
    const [listed] = JSON.parse(out);
    expect(listed).toEqual({ id: expect.any(String), role: 'read', label: '', created: expect.any(String) });

    expect(await cli('revoke', listed.id)).toBe(0);
    expect(out).toBe(`token ${listed.id} revoked\n`);
    await cli('list');
    expect(out).toMatch(new RegExp(`^${listed.id}  read  \\S+  \\d{4}-\\S+Z\\s*$`, 'm'));
  });

  it('should refuse bad command lines with the usage (exit 2) and failures with a message (exit 1), changing nothing', async () => {
    expect(await cli('create')).toBe(2);
    expect(err).toMatch(/^dinmeter token: create needs --role read\|control\|admin\n/);
    expect(await cli('create', '--role', 'owner')).toBe(2);
    expect(await cli('revoke')).toBe(2);
    expect(await cli('list', '--role', 'admin')).toBe(2);
    expect(await cli('rotate', 'x')).toBe(2);
    expect(err).toMatch(/unknown command "rotate" \(commands: create, list, revoke\)/);
    expect(await cli('revoke', '0123456789ab')).toBe(1);
    expect(err).toBe('dinmeter token: no token with id "0123456789ab" (dinmeter token list shows them)\n');
    expect(TokenStore.inDataDir(dir).list()).toEqual([]);
  });

  it('should default --data-dir to the backend DATA_DIR', () => {
    expect(defaultDataDir({ DATA_DIR: '/srv/dinmeter' })).toBe('/srv/dinmeter');
  });
});
