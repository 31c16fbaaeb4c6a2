import { Clock } from '../../core/ports';

/**
 * The host's clock, optionally accelerated (`speed` simulated seconds per real second) and started
 * at another instant, so a simulated day of a meter can run in minutes. Both wall and monotonic
 * time advance at the same speed.
 */
export class HostClock implements Clock {
  private readonly realStart = performance.now();
  private readonly wallStart: number;

  constructor(
    readonly speed = 1,
    startWallMs = Date.now(),
  ) {
    if (!(speed > 0)) throw new Error(`speed must be positive, got ${speed}`);
    this.wallStart = startWallMs;
  }

  monotonicMs(): number {
    return (performance.now() - this.realStart) * this.speed;
  }

  wallMs(): number {
    return this.wallStart + this.monotonicMs();
  }
}
