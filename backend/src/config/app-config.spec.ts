import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, CONFIG_KEYS, ConfigError, corsOrigins, loadConfig, parseDotEnv } from './app-config';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('should give every setting its default when the environment is empty', () => {
    const config = loadConfig({});

    expect(config).toBeInstanceOf(AppConfig);
    expect({ ...config }).toMatchObject({
      HTTP_PORT: 3000,
      HTTP_HOST: '127.0.0.1',
      CORS_ORIGINS: undefined,
      MQTT_PORT: 1883,
      MQTT_HOST: '0.0.0.0',
      MQTT_URL: undefined,
      MQTT_USERNAME: undefined,
      MQTT_PASSWORD: undefined,
      INFLUX_URL: 'http://127.0.0.1:8086',
      INFLUX_DB: 'dinmeter',
      INFLUX_TOKEN: undefined,
      INFLUX_ORG: undefined,
      INFLUX_BUCKET: undefined,
      INFLUX_VERSION: 'auto',
      INFLUX_RAW_RETENTION: '30d',
      DATA_DIR: '.data/backend',
      HEARTBEAT_INTERVAL_S: 10,
      COMMAND_TTL_S: 60,
      COMMAND_RETRY_S: 5,
      INGEST_MAX_PENDING_POINTS: 200_000,
      LOG_LEVEL: 'log',
      INSTANCE_ID: undefined,
    });
  });

  it('should read numbers as numbers and trim values', () => {
    const config = loadConfig({ HTTP_PORT: ' 8080 ', COMMAND_RETRY_S: '2', MQTT_URL: 'mqtt://broker.local:1884', INSTANCE_ID: ' a ' });

    expect(config.HTTP_PORT).toBe(8080);
    expect(config.COMMAND_RETRY_S).toBe(2);
    expect(config.MQTT_URL).toBe('mqtt://broker.local:1884');
    expect(config.INSTANCE_ID).toBe('a');
  });

  it('should take CORS_ORIGINS as a list of origins and refuse one with a path', () => {
    expect(corsOrigins(loadConfig({ CORS_ORIGINS: 'https://dash.example:8443, http://10.0.0.5' }))).toEqual(['https://dash.example:8443', 'http://10.0.0.5']);
    expect(corsOrigins(loadConfig({}))).toEqual([]);
    expect(problemsOf({ CORS_ORIGINS: 'https://dash.example/app' })).toEqual([
      'CORS_ORIGINS="https://dash.example/app": CORS_ORIGINS must be origins like https://dash.example:8443, comma-separated, without paths',
    ]);
  });

  it('should ignore variables it does not know (PATH, HOME, …)', () => {
    const config = loadConfig({ PATH: '/usr/bin', HOME: '/root', http_port: '1' });

    expect(config.HTTP_PORT).toBe(3000);
    expect(Object.keys(config)).not.toContain('PATH');
  });

  it('should treat an empty value as not set', () => {
    const config = loadConfig({ HTTP_PORT: '', MQTT_URL: '', INFLUX_TOKEN: '  ', LOG_LEVEL: '' });

    expect(config.HTTP_PORT).toBe(3000);
    expect(config.MQTT_URL).toBeUndefined();
    expect(config.INFLUX_TOKEN).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('log');
  });

  it('should list every problem at once, each with the variable and its value', () => {
    const problems = problemsOf({
      HTTP_PORT: 'abc',
      MQTT_PORT: '70000',
      INFLUX_URL: 'ftp://influx',
      INFLUX_DB: 'a b',
      INFLUX_VERSION: '3',
      HEARTBEAT_INTERVAL_S: '0',
      COMMAND_TTL_S: '1.5',
      INGEST_MAX_PENDING_POINTS: '5',
      INFLUX_WRITE_CONCURRENCY: '0',
      LOG_LEVEL: 'loud',
    });

    const variables = new Set(problems.map((p) => p.slice(0, p.indexOf('='))));
    expect([...variables].sort()).toEqual(
      ['HTTP_PORT', 'MQTT_PORT', 'INFLUX_URL', 'INFLUX_DB', 'INFLUX_VERSION', 'HEARTBEAT_INTERVAL_S', 'COMMAND_TTL_S', 'INGEST_MAX_PENDING_POINTS', 'INFLUX_WRITE_CONCURRENCY', 'LOG_LEVEL'].sort(),
    );
    expect(problems).toContain('HTTP_PORT="abc": HTTP_PORT must be an integer number');
    expect(problems).toContain('MQTT_PORT="70000": MQTT_PORT must not be greater than 65535');
    expect(problems).toContain('COMMAND_TTL_S="1.5": COMMAND_TTL_S must be an integer number');
    expect(problems).toContain('INFLUX_WRITE_CONCURRENCY="0": INFLUX_WRITE_CONCURRENCY must not be less than 1');
    expect(problems).toContain('LOG_LEVEL="loud": LOG_LEVEL must be one of the following values: error, warn, log, debug, verbose');
  });

  it('should take a raw retention of hours, days or weeks, INF or keep, and refuse anything else', () => {
    for (const value of ['720h', '30d', '8w', 'INF', 'keep']) expect(loadConfig({ INFLUX_RAW_RETENTION: value }).INFLUX_RAW_RETENTION).toBe(value);
    for (const value of ['30', '30 days', '10m', '0d', 'forever']) {
      expect(problemsOf({ INFLUX_RAW_RETENTION: value })).toEqual([
        `INFLUX_RAW_RETENTION=${JSON.stringify(value)}: INFLUX_RAW_RETENTION must be a duration like 30d, 720h or 8w, INF, or keep`,
      ]);
    }
  });

  it('should take SITE_POWER_CAP_W as a positive number of watts and refuse anything else', () => {
    expect(loadConfig({ SITE_POWER_CAP_W: '17250' }).SITE_POWER_CAP_W).toBe(17250);
    expect(loadConfig({}).SITE_POWER_CAP_W).toBeUndefined();
    for (const value of ['0', '-5', '17 kW']) expect(problemsOf({ SITE_POWER_CAP_W: value })[0]).toContain(`SITE_POWER_CAP_W=${JSON.stringify(value)}`);
  });

  it('should put every problem in the error message', () => {
    expect(() => loadConfig({ HTTP_PORT: '-1', LOG_LEVEL: 'x' })).toThrow(
      /invalid configuration:\n {2}- HTTP_PORT="-1": .*\n {2}- LOG_LEVEL="x": /,
    );
  });

  it.each(['nope', 'broker:1883', 'http://broker:1883'])('should reject the broker URL %p', (url) => {
    expect(problemsOf({ MQTT_URL: url })).toEqual([`MQTT_URL=${JSON.stringify(url)}: MQTT_URL must be a URL address`]);
  });

  it.each(['mqtt://localhost', 'mqtts://broker.example.com:8883', 'ws://10.0.0.2:9001', 'tcp://127.0.0.1:1883'])(
    'should accept the broker URL %p',
    (url) => {
      expect(loadConfig({ MQTT_URL: url }).MQTT_URL).toBe(url);
    },
  );

  it.each(['localhost:8086', 'influx', 'ftp://influx:8086'])('should reject the InfluxDB URL %p', (url) => {
    expect(problemsOf({ INFLUX_URL: url })).toEqual([`INFLUX_URL=${JSON.stringify(url)}: INFLUX_URL must be a URL address`]);
  });

  it('should require token, org and bucket for INFLUX_VERSION=2', () => {
    expect(problemsOf({ INFLUX_VERSION: '2', INFLUX_TOKEN: 't', INFLUX_ORG: '' })).toEqual([
      'INFLUX_VERSION=2 needs INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET',
    ]);

    const config = loadConfig({ INFLUX_VERSION: '2', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' });
    expect([config.INFLUX_VERSION, config.INFLUX_TOKEN, config.INFLUX_ORG, config.INFLUX_BUCKET]).toEqual(['2', 't', 'o', 'b']);
  });

  it('should list the INFLUX_VERSION=2 problem together with the others', () => {
    const problems = problemsOf({ INFLUX_VERSION: '2', HTTP_PORT: 'x' });

    expect(problems).toContain('INFLUX_VERSION=2 needs INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET');
    expect(problems.some((p) => p.startsWith('HTTP_PORT="x"'))).toBe(true);
  });

  it('should not need token, org and bucket for InfluxDB 1.x or auto', () => {
    expect(loadConfig({ INFLUX_VERSION: '1' }).INFLUX_VERSION).toBe('1');
    expect(loadConfig({ INFLUX_VERSION: 'auto' }).INFLUX_TOKEN).toBeUndefined();
  });
});

describe('parseDotEnv', () => {
  it('should read KEY=value lines, skipping comments and blank lines', () => {
    const text = ['# settings', '', 'HTTP_PORT=8080', '   # indented comment', 'LOG_LEVEL = debug ', 'EMPTY='].join('\n');

    expect(parseDotEnv(text)).toEqual({ HTTP_PORT: '8080', LOG_LEVEL: 'debug', EMPTY: '' });
  });

  it('should strip one pair of matching double or single quotes and keep what is inside', () => {
    const text = ['A="with spaces # not a comment"', "B='single = quoted'", 'C="unbalanced', `D="it's"`, "E='\"'", 'F=""'].join('\n');

    expect(parseDotEnv(text)).toEqual({
      A: 'with spaces # not a comment',
      B: 'single = quoted',
      C: '"unbalanced',
      D: "it's",
      E: '"',
      F: '',
    });
  });

  it('should split on the first = only', () => {
    expect(parseDotEnv('INFLUX_TOKEN=abc==\nMQTT_URL=mqtt://u:p=1@host')).toEqual({
      INFLUX_TOKEN: 'abc==',
      MQTT_URL: 'mqtt://u:p=1@host',
    });
  });

  it('should accept Windows line endings', () => {
    expect(parseDotEnv('A=1\r\nB=2\r\n')).toEqual({ A: '1', B: '2' });
  });

  it('should skip lines without a key', () => {
    expect(parseDotEnv('=value\nnot a setting\nA=1')).toEqual({ A: '1' });
  });

  it('should let the last of repeated keys win', () => {
    expect(parseDotEnv('A=1\nA=2')).toEqual({ A: '2' });
  });

  it('should feed loadConfig, with real environment variables winning', () => {
    const fromFile = parseDotEnv('HTTP_PORT="8081"\nLOG_LEVEL=debug');

    const config = loadConfig({ ...fromFile, LOG_LEVEL: 'warn' });

    expect([config.HTTP_PORT, config.LOG_LEVEL]).toEqual([8081, 'warn']);
  });
});

describe('parseDotEnv (shell-style lines)', () => {
  it('should accept an export prefix and drop inline comments of unquoted values only', () => {
    const env = parseDotEnv(['export HTTP_PORT=3001', 'INFLUX_DB=meters # the db', 'MQTT_PASSWORD="a # b"', "X='q'  # c"].join('\n'));

    expect(env).toEqual({ HTTP_PORT: '3001', INFLUX_DB: 'meters', MQTT_PASSWORD: 'a # b', X: 'q' });
  });
});

describe('.env.example', () => {
  const example = parseDotEnv(readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8'));

  it('should list every variable the backend reads', () => {
    const missing = [...CONFIG_KEYS].filter((key) => !(key in example));
    expect(missing).toEqual([]);
  });

  it('should list nothing the backend does not read', () => {
    expect(Object.keys(example).filter((key) => !CONFIG_KEYS.has(key))).toEqual([]);
  });

  it('should be a valid configuration as it stands', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });
});
