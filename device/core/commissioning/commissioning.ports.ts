/**
 * What the commissioning core needs from the platform. One implementation per platform
 * (platform/moddable: Wi-Fi AP + `http` server + `dns/server`; platform/host: node:http and
 * fetch) and in-memory ones in testing.ts. Asynchronous results come back through callbacks, as
 * the Moddable network modules deliver them.
 */
import type { MeterSetup, NetworkChoice } from './setup-form';

/** The access point with its captive DNS and the portal's HTTP server. */
export interface PortalNetwork {
  /**
   * Opens the AP (SSID from the device id), answers every DNS name with the AP address, serves the
   * portal. It stays open until the meter restarts (ESP32) or stops (virtual meter).
   */
  openPortal(): void;
  /**
   * Joins the installer's network (station beside the AP, so the phone keeps the status page).
   * `done(undefined)` once it has an IP address, `done(reason)` when it gave up.
   */
  join(network: NetworkChoice, done: (error: string | undefined) => void): void;
}

export type HttpResult = { status: number; body: string } | { error: string };

/** An HTTP client for the claim: one JSON POST. */
export interface HttpClient {
  postJson(url: string, body: string, done: (result: HttpResult) => void): void;
}

/** What the backend issued on the claim (`POST /api/claim`), checked. */
export interface ClaimedCredentials {
  deviceId: string;
  mqttUrl: string;
  mqttUser: string;
  mqttPassword: string;
  /** 64 hex digits (docs/security.md "Signed commands"). */
  commandKey: string;
}

/** Where the result lives: the platform's provisioning (NVS `prov` on the ESP32, settings.json on the host). */
export interface CommissioningStore {
  /** True when the meter has a network and a broker login: it boots into normal operation. */
  isCommissioned(): boolean;
  /** Saves network, credentials and the per-circuit setup in one go. Throws when storage fails. */
  save(setup: MeterSetup, credentials: ClaimedCredentials): void;
}
