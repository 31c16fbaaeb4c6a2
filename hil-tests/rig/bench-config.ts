/**
 * The bench configuration file (docs/hil.md, "The config file"; example: hil-tests/bench.config.example.json):
 * where the backend, broker and InfluxDB are, which meters are on the bench, and where each
 * instrument answers. Validated once at load; a bad file is refused with every problem listed.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { arr, Infer, int, isValidDeviceId, literal, num, obj, optional, refine, str, validate } from '@dinmeter/shared';
import { AC_LOAD_DIALECTS, AcLoadDialect } from '../instruments/ac-load';
import { AC_SOURCE_DIALECTS, AcSourceDialect } from '../instruments/ac-source';

const host = str({ minLength: 1, maxLength: 253, pattern: /^[A-Za-z0-9.:[\]-]+$/ });
const port = int({ min: 1, max: 65535 });
const url = (schemes: string[]) => str({ minLength: 1, maxLength: 512, pattern: new RegExp(`^(${schemes.join('|')})://[^\\s]+$`) });
const deviceId = refine(str({ minLength: 1, maxLength: 64 }), (id) => (isValidDeviceId(id) ? undefined : `"${id}" is not a valid device id`));
const unitId = optional(int({ min: 0, max: 255 }));

const benchConfigSchema = refine(
  obj({
    /** Free text for reports: "bench 2, lab Freiburg". */
    name: optional(str({ maxLength: 100 })),
    backend: obj({
      restUrl: url(['http', 'https']),
      mqttUrl: url(['mqtt', 'mqtts']),
      influxUrl: url(['http', 'https']),
      influxDb: optional(str({ minLength: 1, maxLength: 64 })),
      /** File holding the REST bearer token (admin: calibration; relative to the config file). Default: $DINMETER_TOKEN. */
      tokenFile: optional(str({ minLength: 1, maxLength: 512 })),
    }),
    /** Meters on the bench, all fed by the AC source. The first is the one in the fixture unless `dut` says otherwise. */
    meters: arr(deviceId, { minItems: 1, maxItems: 32 }),
    dut: optional(deviceId),
    instruments: obj({
      source: obj({
        host,
        port,
        dialect: literal(...(Object.keys(AC_SOURCE_DIALECTS) as AcSourceDialect[])),
        maxVoltageV: optional(num({ min: 1, max: 300 })),
      }),
      load: obj({
        host,
        port,
        dialect: literal(...(Object.keys(AC_LOAD_DIALECTS) as AcLoadDialect[])),
        maxCurrentA: optional(num({ min: 0.1, max: 100 })),
      }),
      reference: obj({ host, port, unitId, model: literal('sdm630') }),
      /**
       * The fixture's digital I/O: coils from `routeCoil` route the load to circuits 1…10; discrete inputs from
       * `senseInput` sense each relay's output. Without `senseInput`, relay states come from the meter's own report.
       */
      dio: obj({ host, port, unitId, routeCoil: int({ min: 0, max: 65525 }), senseInput: optional(int({ min: 0, max: 65525 })) }),
      timeoutMs: optional(int({ min: 100, max: 60_000 })),
    }),
    /** Mains the source sets for the tests. */
    supply: optional(obj({ volts: num({ min: 100, max: 264 }), hz: literal(50, 60) })),
    /** How long a meter may take to report online after power-on (default 120 s). */
    onlineTimeoutMs: optional(int({ min: 1000, max: 600_000 })),
    production: optional(
      obj({
        /** The firmware the production test expects (the meter's status `firmware`). */
        firmware: str({ minLength: 1, maxLength: 64 }),
        stationId: str({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ }),
        /** PKCS#8 PEM Ed25519 private key of the station (relative to the config file). */
        stationKeyFile: str({ minLength: 1, maxLength: 512 }),
        /** Where reports go (relative to the config file); default hil-output/production. */
        outputDir: optional(str({ minLength: 1, maxLength: 512 })),
      }),
    ),
  }),
  (config) => {
    if (config.dut && !config.meters.includes(config.dut)) return `dut "${config.dut}" is not one of meters`;
    if (new Set(config.meters).size !== config.meters.length) return 'meters lists a device twice';
    return undefined;
  },
);

export type BenchConfig = Infer<typeof benchConfigSchema>;

/** Validates a parsed JSON value; throws one error that lists every problem. */
export function parseBenchConfig(value: unknown, source = 'bench config'): BenchConfig {
  const result = validate(benchConfigSchema, value, '$');
  if (!result.ok) throw new Error(`${source} is invalid (docs/hil.md, "The config file"):\n  ${result.errors.join('\n  ')}`);
  return result.value;
}

/** The REST token the bench calls the backend with: backend.tokenFile, else $DINMETER_TOKEN (docs/hil.md). */
export function benchRestToken(config: BenchConfig, configPath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = config.backend.tokenFile;
  if (file === undefined) return env.DINMETER_TOKEN?.trim() || undefined;
  const path = resolve(dirname(resolve(configPath)), file);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new Error(`cannot read backend.tokenFile ${path} of the bench config: ${(error as Error).message}`);
  }
}

export function loadBenchConfig(path: string): BenchConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the bench config ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`bench config ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseBenchConfig(json, `bench config ${path}`);
}
