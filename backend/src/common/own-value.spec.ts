import { ownValue } from './own-value';

describe(ownValue.name, () => {
  it('should return own values and never what Object.prototype holds under a device-id-like key', () => {
    const lastSeq: Record<string, number> = { 'vm-1': 7 };
    expect(ownValue(lastSeq, 'vm-1')).toBe(7);
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) expect(ownValue(lastSeq, key)).toBeUndefined();
    const loaded = JSON.parse('{"constructor":3}') as Record<string, number>;
    expect(ownValue(loaded, 'constructor')).toBe(3);
  });
});
