/**
 * The ESP32's side of the portal (docs/setup-portal.md): an open Wi-Fi access point named after
 * the device id, a captive DNS answering every name with the AP's address, the portal's HTTP
 * server, and the station join beside the AP (APSTA), so the installer's phone keeps the status
 * page while the meter tries the network. Uses the SDK's `wifi` module (it has the AP mode); the
 * meter runs portal mode without the station link of wifi.adapter.ts (both would initialise the
 * Wi-Fi driver), and restarts into normal operation once commissioned.
 */
import DNSServer from 'dns/server';
import { Server } from 'http';
import Net from 'net';
import Timer from 'timer';
import WiFi from 'wifi';
import type { PortalNetwork } from '../../core/commissioning/commissioning.ports';
import type { PortalHandler } from '../../core/commissioning/portal-handler';
import type { NetworkChoice } from '../../core/commissioning/setup-form';
import { startPortalServer } from './portal-server';

/** How long a join may take before the form says why it failed. */
const JOIN_TIMEOUT_MS = 30_000;

/** The station MAC in portal mode (the device id derives from it): starts the SDK's Wi-Fi driver first. */
export function portalStationMac(): string | undefined {
  WiFi.mode = 1; // station; openPortal() adds the AP
  return Net.get('MAC', 'station') || undefined;
}

export class AccessPointPortal implements PortalNetwork {
  /** The DNS and HTTP servers, held for the portal's lifetime (until the restart). */
  private readonly servers: (DNSServer | Server)[] = [];
  private station?: WiFi;

  /** `handlerFor`: the portal's handler for the AP's address (known once the AP is up). */
  constructor(
    private readonly ssid: string,
    private readonly handlerFor: (address: string) => PortalHandler,
  ) {}

  /** The AP's address (192.168.4.1 by ESP-IDF default), known after openPortal(). */
  get address(): string {
    return Net.get('IP', 'ap');
  }

  openPortal(): void {
    // `station: true` keeps the station interface (APSTA) for the join; absent from the SDK's typings.
    WiFi.accessPoint({ ssid: this.ssid, station: true } as Parameters<typeof WiFi.accessPoint>[0]);
    const address = this.address;
    this.servers.push(new DNSServer((message: number) => (message === 1 ? address : '')), startPortalServer(this.handlerFor(address)));
  }

  join(network: NetworkChoice, done: (error: string | undefined) => void): void {
    if (network.kind !== 'wifi') return done('Ethernet is not fitted on this board (docs/hardware.md "Ethernet option")');
    this.station?.close();
    let finished = false;
    const finish = (error: string | undefined) => {
      if (finished) return;
      finished = true;
      Timer.clear(timer);
      done(error);
    };
    const timer = Timer.set(() => finish(`no IP address from "${network.ssid}" within ${JOIN_TIMEOUT_MS / 1000} s: check the name and the password`), JOIN_TIMEOUT_MS);
    this.station = new WiFi({ ssid: network.ssid, password: network.password }, (message) => {
      if (message === WiFi.gotIP) finish(undefined);
    });
  }
}
