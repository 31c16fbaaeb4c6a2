/**
 * The setup button: a press held for LONG_PRESS_MS reopens the portal (docs/setup-portal.md).
 * The platform samples the pin (board file: PINS.setupButton) every tick; this only measures.
 * Shorter presses do nothing, so brushing the button in a crowded fuse box is harmless.
 */
export const LONG_PRESS_MS = 5000;

export class SetupButton {
  private pressedSinceMs?: number;
  private fired = false;

  /** Feed the pin's state; returns true exactly once per press, when it has been held LONG_PRESS_MS. */
  update(pressed: boolean, nowMs: number): boolean {
    if (!pressed) {
      this.pressedSinceMs = undefined;
      this.fired = false;
      return false;
    }
    this.pressedSinceMs ??= nowMs;
    if (this.fired || nowMs - this.pressedSinceMs < LONG_PRESS_MS) return false;
    this.fired = true;
    return true;
  }
}
