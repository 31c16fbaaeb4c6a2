/**
 * Wi-Fi station link on `embedded:network/interface/wifi`. The SDK's setup/network module would
 * hold the whole app until Wi-Fi and SNTP are up — a meter must meter and restore its relays
 * without a network — so the firmware leaves `config.ssid` unset and connects here instead.
 * The ESP32 driver does not reconnect by itself (wifi-esp32.c): after a disconnect this link
 * calls connect() again with back-off.
 */
import WiFi from 'embedded:network/interface/wifi';
import Timer from 'timer';

/** wifi-esp32.c `connection`: 200 disconnected, 300 connecting, 400 associated, 500 with an IP. */
const CONNECTION = { disconnected: 200, online: 500 } as const;
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 60_000;

export class WifiLink {
  private readonly wifi: WiFi;
  private credentials?: { ssid: string; password?: string };
  private onOnline?: () => void;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer?: Timer;
  private wasOnline = false;
  readonly stats = { connects: 0, onlineCount: 0 };

  constructor(hostname?: string) {
    this.wifi = new WiFi({ onChanged: () => this.changed() });
    if (hostname) {
      try {
        this.wifi.configure({ hostname });
      } catch {
        // hostname is cosmetic (DHCP name); not every port supports it
      }
    }
  }

  /** Station MAC ("a4:cf:…"), known before any connection; used to derive the device id. */
  get mac(): string | undefined {
    return this.wifi.MAC;
  }

  get online(): boolean {
    return this.wifi.connection >= CONNECTION.online;
  }

  get address(): string | undefined {
    return this.wifi.address;
  }

  /** Connects and keeps connecting; `onOnline` runs each time an IP address is obtained. */
  start(credentials: { ssid: string; password?: string }, onOnline: () => void): void {
    this.credentials = credentials;
    this.onOnline = onOnline;
    this.connect();
  }

  private connect(): void {
    const credentials = this.credentials;
    if (!credentials) return;
    this.stats.connects++;
    try {
      this.wifi.connect(credentials.password ? { SSID: credentials.ssid, password: credentials.password } : { SSID: credentials.ssid });
    } catch {
      // "already connecting": the driver reports the outcome through onChanged
    }
  }

  private changed(): void {
    const connection = this.wifi.connection;
    if (connection >= CONNECTION.online) {
      this.retryMs = RETRY_FIRST_MS;
      if (!this.wasOnline) {
        this.wasOnline = true;
        this.stats.onlineCount++;
        this.onOnline?.();
      }
      return;
    }
    this.wasOnline = false;
    if (connection <= CONNECTION.disconnected && !this.retryTimer) {
      this.retryTimer = Timer.set(() => {
        this.retryTimer = undefined;
        this.connect();
      }, this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    }
  }
}
