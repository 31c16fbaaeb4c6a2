/**
 * The `sntp` module on the virtual board: the host clock is already network time, so the first
 * answer comes on the next turn (Time.set is a no-op on lin).
 */
import Timer from 'timer';

type Callback = (message: number, value?: number) => void;

export default class SNTP {
  static readonly time = 1;
  static readonly retry = 2;
  static readonly error = -1;

  constructor(options: { host: string }, callback: Callback) {
    if (typeof options?.host !== 'string' || options.host.length === 0) throw new Error('SNTP host required');
    Timer.set(() => callback(SNTP.time, Math.floor(Date.now() / 1000)), 0);
  }
}
