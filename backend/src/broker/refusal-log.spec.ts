import { RefusalLog } from './refusal-log';

describe(RefusalLog.name, () => {
  it('should write at most `limit` lines per window, then how many it held back', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new RefusalLog((line) => lines.push(line), 2, 10_000, () => now);
    for (let k = 0; k < 1000; k++) log.refused(`refusal ${k}`);
    expect(lines).toEqual(['refusal 0', 'refusal 1']);
    now = 10_000;
    log.refused('later');
    expect(lines).toEqual(['refusal 0', 'refusal 1', '998 more refusals in the last 10 s not logged', 'later']);
  });
});
