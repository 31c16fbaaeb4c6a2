/**
 * The setup button on the ESP32 (PINS.setupButton, active high: docs/hardware.md). Polled from the
 * core's tick; a 5 s hold (core/commissioning/setup-button.ts) marks the portal as wanted in NVS
 * and restarts, and the next boot opens the portal (portal-mode.ts) without the station link.
 */
import System from 'embedded:io/system';
import { PINS } from '../../board/pins';
import { SetupButton } from '../../core/commissioning/setup-button';
import { requestPortal } from './commissioning-store.adapter';
import { DigitalInputLine } from './spi.adapter';

export class SetupButtonInput {
  private readonly line = new DigitalInputLine(PINS.setupButton);
  private readonly button = new SetupButton();

  poll(nowMs: number): void {
    if (!this.button.update(this.line.read() === 1, nowMs)) return;
    trace('dinmeter: setup button held, restarting into the setup portal\n');
    requestPortal(true);
    System.restart();
  }
}
