/**
 * The virtual board's settings, from `board.json` in the working directory (the runner writes it
 * beside the board's flash and NVS files): simulation seed, MAC, and the power-cut injection.
 * A missing file means defaults; a bad one stops the board at boot with the reason.
 */
import { File } from 'file';

export interface BoardConfig {
  /** Seed of the simulated appliances and chips. */
  seed: number;
  /** Station MAC the Wi-Fi stand-in reports ("02:…": locally administered). */
  mac: string;
  /**
   * Power-cut injection: the storage write with this number (1 = the first flash or NVS write
   * after boot) is torn half-way and every later write is lost, as when the supply fails.
   */
  powerCutAtWrite?: number;
}

export const BOARD_CONFIG_FILE = 'board.json';
const DEFAULTS: BoardConfig = { seed: 1, mac: '02:00:00:00:00:01' };

export function parseBoardConfig(text: string): BoardConfig {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError(`${BOARD_CONFIG_FILE} must be a JSON object`);
  const config: BoardConfig = { ...DEFAULTS };
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (key === 'seed' && Number.isInteger(value)) config.seed = value as number;
    else if (key === 'mac' && typeof value === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(value)) config.mac = value;
    else if (key === 'powerCutAtWrite' && Number.isInteger(value) && (value as number) >= 1) config.powerCutAtWrite = value as number;
    else throw new RangeError(`${BOARD_CONFIG_FILE}: bad ${key}: ${JSON.stringify(value)}`);
  }
  return config;
}

let loaded: BoardConfig | undefined;

export function boardConfig(): BoardConfig {
  if (!loaded) {
    if (!File.exists(BOARD_CONFIG_FILE)) loaded = { ...DEFAULTS };
    else {
      const file = new File(BOARD_CONFIG_FILE);
      try {
        loaded = parseBoardConfig(file.read(String));
      } finally {
        file.close();
      }
    }
  }
  return loaded;
}
