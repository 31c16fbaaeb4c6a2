import { parseStoredNotice } from './ingest-peers';

describe(parseStoredNotice.name, () => {
  const notice = (records: unknown) => JSON.stringify({ v: 1, from: 'dinmeter-backend-b', device: 'vm-1', records });

  it('should read the records another instance stored', () => {
    expect(parseStoredNotice(notice([[1, 2], [5, 5]]))?.records).toEqual([[1, 2], [5, 5]]);
  });

  it('should refuse seqs beyond the safe integers, which no telemetry/ack can carry (found by the fuzz)', () => {
    expect(parseStoredNotice(notice([[1, 20203438791387402000]]))).toBeUndefined();
    expect(parseStoredNotice(notice([[2 ** 53, 2 ** 53]]))).toBeUndefined();
  });

  it('should refuse gaps that are not seqs', () => {
    for (const gaps of [1, [0], [1.5], ['1']]) expect(parseStoredNotice(JSON.stringify({ v: 1, from: 'b', device: 'vm-1', records: [], gaps }))).toBeUndefined();
  });

  it('should refuse malformed records', () => {
    for (const records of [[[0, 1]], [[3, 2]], [[1.5, 2]], [[1]], 'x', [['1', '2']]]) expect(parseStoredNotice(notice(records))).toBeUndefined();
  });
});
