/**
 * `embedded:network/interface/wifi` on the virtual board: the host's network is always there, so
 * connect() reports associated-with-an-address (500) on the next turn; the MAC comes from board.json.
 */
import Timer from 'timer';
import { boardConfig } from 'platform/lin/board-config';

export type WiFiChangedProperty = 'connection' | 'address';

const CONNECTED = 500;
const DISCONNECTED = 200;

export default class WiFi {
  #connection = DISCONNECTED;
  readonly #onChanged?: (property: WiFiChangedProperty) => void;

  constructor(options: { port?: number; onChanged?: (property: WiFiChangedProperty) => void }) {
    this.#onChanged = options.onChanged;
  }

  get connection(): number {
    return this.#connection;
  }
  get address(): string | undefined {
    return this.#connection === CONNECTED ? '127.0.0.1' : undefined;
  }
  get MAC(): string | undefined {
    return boardConfig().mac;
  }
  get SSID(): string | undefined {
    return this.#connection === CONNECTED ? 'virtual-board' : undefined;
  }
  get RSSI(): number | undefined {
    return this.#connection === CONNECTED ? -40 : undefined;
  }

  connect(options: { SSID: string; password?: string }): void {
    if (typeof options?.SSID !== 'string' || options.SSID.length === 0) throw new Error('SSID required');
    Timer.set(() => {
      this.#connection = CONNECTED;
      this.#onChanged?.('connection');
      this.#onChanged?.('address');
    }, 0);
  }

  disconnect(): void {
    this.#connection = DISCONNECTED;
    Timer.set(() => this.#onChanged?.('connection'), 0);
  }

  configure(_options: { hostname?: string }): void {}

  close(): void {
    this.#connection = DISCONNECTED;
  }
}
