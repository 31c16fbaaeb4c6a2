import { HA_DISCOVERY_PREFIX, HA_DISCOVERY_PREFIX_PATTERN } from '@dinmeter/shared';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsTimeZone, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
/** true/false (also 1/0, yes/no); anything else stays a string and fails @IsBoolean with its value. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  return ['true', '1', 'yes'].includes(v) ? true : ['false', '0', 'no'].includes(v) ? false : value;
};

/**
 * Every setting of the backend, from environment variables (a `.env` file may add to them).
 * Parsed and validated once at start: a bad value stops the process with every problem listed.
 */
export class AppConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  HTTP_PORT = 3000;

  /** Loopback by default: set 0.0.0.0 (or an address) to serve the LAN, REST tokens guard it (docs/security.md). */
  @IsString()
  HTTP_HOST = '127.0.0.1';

  /**
   * Origins (scheme://host[:port], comma-separated) whose web pages may call the REST API from a
   * browser (CORS). Unset: no CORS headers, browsers keep other sites' pages out.
   */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'CORS_ORIGINS must be origins like https://dash.example:8443, comma-separated, without paths',
  })
  CORS_ORIGINS?: string;

  /** Port of the embedded aedes broker; ignored when MQTT_URL is set. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  MQTT_PORT = 1883;

  @IsString()
  MQTT_HOST = '0.0.0.0';

  /** When set, the embedded broker also listens for MQTT over TLS on this port (0 = any free one; 8883 is usual). */
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(65535)
  MQTTS_PORT?: number;

  /** PEM certificate (chain) and key of the mqtts listener; unset: a CA and certificate generated into DATA_DIR/tls. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MQTT_TLS_CERT?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MQTT_TLS_KEY?: string;

  /** The CA clients verify MQTT_TLS_CERT with (only named in the log, for meters' provisioning). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MQTT_TLS_CA?: string;

  /** An external broker (mqtt://host:1883, mqtts://…). When set, no embedded broker starts. */
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ protocols: ['mqtt', 'mqtts', 'ws', 'wss', 'tcp'], require_tld: false, require_protocol: true })
  MQTT_URL?: string;

  /** The backend's login on an external broker (MQTT_URL). The embedded broker uses the backend's own identity (DATA_DIR). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MQTT_USERNAME?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  MQTT_PASSWORD?: string;

  /**
   * Several backend instances on one external broker (Mosquitto 2, EMQX): telemetry is taken through
   * `$share/<group>/…` so each record is ingested by one instance. Not supported by the embedded aedes.
   */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  MQTT_SHARE_GROUP?: string;

  /**
   * Firmware updates (docs/ota.md): the Ed25519 public key (64 hex digits) uploads must be signed
   * with; unset: the key built into the firmware (shared/src/firmware/firmware-public-key.ts).
   */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[0-9a-f]{64}$/, { message: 'FIRMWARE_PUBLIC_KEY must be 64 lower-case hex digits (the raw Ed25519 key)' })
  FIRMWARE_PUBLIC_KEY?: string;

  /** The backend's URL as meters reach it (http://host:port), for firmware downloads; unset: the rollout request's own host. */
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  FIRMWARE_URL_BASE?: string;

  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  INFLUX_URL = 'http://127.0.0.1:8086';

  @IsString() @Matches(/^[A-Za-z0-9_-]+$/)
  INFLUX_DB = 'dinmeter';

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  INFLUX_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  INFLUX_ORG?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  INFLUX_BUCKET?: string;

  /**
   * How long InfluxDB 1.x keeps the raw records (the default retention policy): a duration of hours,
   * days or weeks, INF, or `keep` to leave it as it is. The backend shortens it only once the 1-minute
   * and 15-minute tiers hold everything (backend/src/storage/retention.service.ts).
   */
  @Matches(/^(keep|INF|[1-9][0-9]*[hdw])$/, { message: 'INFLUX_RAW_RETENTION must be a duration like 30d, 720h or 8w, INF, or keep' })
  INFLUX_RAW_RETENTION = '30d';

  /** auto: detect from /ping's X-Influxdb-Version header. */
  @IsIn(['auto', '1', '2'])
  INFLUX_VERSION: 'auto' | '1' | '2' = 'auto';

  /** Where the device registry, command sequence numbers and automation settings are kept. */
  @IsString()
  DATA_DIR = '.data/backend';

  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  HEARTBEAT_INTERVAL_S = 10;

  /** Default lifetime of a relay command before it expires unacknowledged. */
  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  COMMAND_TTL_S = 60;

  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  COMMAND_RETRY_S = 5;

  /** Points buffered for InfluxDB at most; beyond it ingest stops acking (devices keep their records). */
  @Transform(toInt) @IsInt() @Min(100) @Max(10_000_000)
  INGEST_MAX_PENDING_POINTS = 200_000;

  /** InfluxDB write requests in flight at once (docs/scaling.md "Write concurrency"). */
  @Transform(toInt) @IsInt() @Min(1) @Max(16)
  INFLUX_WRITE_CONCURRENCY = 2;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** A scrape token GET /metrics (Prometheus) accepts besides the REST tokens (docs/integrations.md). */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @Matches(/^\S{16,}$/, { message: 'METRICS_TOKEN must be at least 16 characters without spaces' })
  METRICS_TOKEN?: string;

  /** json: one JSON object per line, no colour (journald, log shippers); pretty: Nest's text lines, coloured on a TTY. Default: pretty on a TTY, else json. */
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** Publish Home Assistant MQTT discovery for every circuit and accept its relay switches (backend/src/homeassistant). */
  @Transform(toBool) @IsBoolean()
  HA_DISCOVERY = true;

  /** Home Assistant's discovery prefix (its MQTT setting "discovery prefix"). */
  @IsString() @Matches(HA_DISCOVERY_PREFIX_PATTERN)
  HA_DISCOVERY_PREFIX = HA_DISCOVERY_PREFIX;

  /**
   * Meters announced to Home Assistant at most (~150 retained configs each); further ones are left out,
   * logged and counted (docs/homeassistant.md "Many meters"). Sized for a home or a small building.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  HA_DISCOVERY_MAX_METERS = 100;

  /** A name for this backend instance (heartbeats, leader election of the automation). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  INSTANCE_ID?: string;

  // ---- prices and automation (backend/src/prices, backend/src/automation, docs/automation.md) ----

  /** Where day-ahead prices come from: none (uploads only), ENTSO-E or ESIOS (PVPC). */
  @IsIn(['none', 'entsoe', 'esios'])
  PRICE_SOURCE: 'none' | 'entsoe' | 'esios' = 'none';

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  ENTSOE_TOKEN?: string;

  /** Bidding zone EIC code, e.g. 10YDK-1--------W (DK1). */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  ENTSOE_AREA?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  ESIOS_TOKEN?: string;

  /** Base URL of the price API (default: the public ENTSO-E / ESIOS endpoint); tests point it at a local server. */
  @Transform(emptyToUndefined) @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  PRICE_API_URL?: string;

  /** JSON file with the consumer tariff (grid fees, taxes, VAT; backend/src/prices/README.md), checked at start. */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  TARIFF_FILE?: string;

  /** IANA zone of the market's delivery day and publication time (ESIOS: Europe/Madrid). */
  @IsTimeZone()
  PRICE_TIMEZONE = 'Europe/Brussels';

  /** The `area` tag automation plans with and uploads default to; default: ENTSOE_AREA, ES for esios, else "default". */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  PRICE_AREA?: string;

  /** Lifetime of the automation leader lease on MQTT; renewed every third of it. */
  @Transform(toInt) @IsInt() @Min(3) @Max(600)
  LEASE_TTL_S = 15;

  /** How often the automation leader evaluates guards and refreshes plans. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  AUTOMATION_TICK_S = 5;

  /** The site's power cap in W (main fuse, grid contract), written to InfluxDB for Grafana's site power vs cap. Unset: none. */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1)
  SITE_POWER_CAP_W?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Every variable the backend reads (.env.example lists them all: app-config.spec.ts checks it). */
export const CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(new AppConfig()).concat(['MQTT_URL', 'MQTTS_PORT', 'MQTT_TLS_CERT', 'MQTT_TLS_KEY', 'MQTT_TLS_CA', 'MQTT_USERNAME', 'MQTT_PASSWORD', 'MQTT_SHARE_GROUP', 'INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INSTANCE_ID', 'ENTSOE_TOKEN', 'ENTSOE_AREA', 'ESIOS_TOKEN', 'PRICE_API_URL', 'TARIFF_FILE', 'PRICE_AREA', 'LOG_FORMAT', 'METRICS_TOKEN', 'CORS_ORIGINS', 'FIRMWARE_PUBLIC_KEY', 'FIRMWARE_URL_BASE']));

/** The origins of CORS_ORIGINS, empty when unset. */
export function corsOrigins(config: AppConfig): string[] {
  return config.CORS_ORIGINS ? config.CORS_ORIGINS.split(',').map((origin) => origin.trim()) : [];
}

/** Validates the environment. Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const input: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    // An empty value (`HTTP_PORT=` in a .env template) means "not set": the default applies.
    const value = env[key]?.trim();
    if (value) input[key] = value;
  }
  const config = plainToInstance(AppConfig, input, { exposeDefaultValues: true });
  const problems: string[] = [];
  for (const error of validateSync(config, { forbidUnknownValues: true })) {
    const value = JSON.stringify((input as Record<string, unknown>)[error.property]);
    for (const message of Object.values(error.constraints ?? {})) problems.push(`${error.property}=${value}: ${message}`);
  }
  const v2 = [config.INFLUX_TOKEN, config.INFLUX_ORG, config.INFLUX_BUCKET];
  if (config.INFLUX_VERSION === '2' && v2.some((v) => v === undefined)) {
    problems.push('INFLUX_VERSION=2 needs INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET');
  }
  if (config.PRICE_SOURCE === 'entsoe' && (!config.ENTSOE_TOKEN || !config.ENTSOE_AREA)) {
    problems.push('PRICE_SOURCE=entsoe needs ENTSOE_TOKEN and ENTSOE_AREA');
  }
  if (config.PRICE_SOURCE === 'esios' && !config.ESIOS_TOKEN) problems.push('PRICE_SOURCE=esios needs ESIOS_TOKEN');
  if ((config.MQTT_TLS_CERT === undefined) !== (config.MQTT_TLS_KEY === undefined)) problems.push('MQTT_TLS_CERT and MQTT_TLS_KEY go together');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Minimal .env reader: `KEY=value` lines, optional `export ` prefix, `#` comments (whole-line, or after
 * whitespace in an unquoted value), single or double quotes. Real environment variables win.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
      value = value.slice(1, value.indexOf(quote, 1));
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[key] = value;
  }
  return out;
}
