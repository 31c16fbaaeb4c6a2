import { newClaimCode, normalizeClaimCode } from './claim-code';

describe('claim codes', () => {
  describe('newClaimCode', () => {
    it('should give ABCD-EFGH from the unambiguous alphabet', () => {
      const code = newClaimCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(newClaimCode(() => new Uint8Array([0, 31, 32, 255, 1, 2, 3, 4]))).toBe('0Z0Z-1234');
    });
  });

  describe('normalizeClaimCode', () => {
    it('should ignore case, spaces and dashes and read O as 0, I and L as 1', () => {
      expect(normalizeClaimCode(' abcd-efgh ')).toBe('ABCDEFGH');
      expect(normalizeClaimCode('oil0 1234')).toBe('0110' + '1234');
    });

    it('should refuse what cannot be a code', () => {
      expect(normalizeClaimCode('ABCD-EFG')).toBeUndefined();
      expect(normalizeClaimCode('ABCD-EFGU')).toBeUndefined();
      expect(normalizeClaimCode('ABCD-EFGH-1')).toBeUndefined();
    });
  });
});
