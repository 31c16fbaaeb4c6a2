import { hashPassword, newPassword, SCRYPT_ISSUED_SECRET, verifyPassword } from './password-hash';

describe('password hashes of issued MQTT passwords', () => {
  it('should hash with the issued-secret setting and a salt of its own, and verify only the same password', async () => {
    const password = newPassword();
    const a = await hashPassword(password);
    const b = await hashPassword(password);

    expect(a).toMatchObject(SCRYPT_ISSUED_SECRET);
    expect(Buffer.from(a.hash, 'base64')).toHaveLength(32);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    await expect(verifyPassword(password, a)).resolves.toBe(true);
    await expect(verifyPassword(newPassword(), a)).resolves.toBe(false);
    await expect(verifyPassword(password.slice(0, -1), a)).resolves.toBe(false);
  });

  it('should still verify an entry made with the earlier slow setting, by its stored parameters', async () => {
    const password = newPassword();
    const old = await hashPassword(password, { N: 1 << 14, r: 8, p: 1 });

    await expect(verifyPassword(password, old)).resolves.toBe(true);
    await expect(verifyPassword(newPassword(), old)).resolves.toBe(false);
  });
});
