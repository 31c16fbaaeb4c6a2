import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliArgs, numberOption, runCli, UsageError } from '../../../shared/node/cli';
import { AppConfig, loadConfig, parseDotEnv } from '../config/app-config';
import { CredentialsError, CredentialsRegistry } from './credentials/credentials.registry';
import { issuedCredentialJson, meterMqttUrl } from './credentials/issued-credential';
import { writeMosquittoFiles } from './credentials/mosquitto-files';

const SPEC = {
  name: 'dinmeter device',
  usage: `usage: dinmeter device <command> [options]
  add <id>                       provision a meter: prints {id, mqtt_url, username, password, command_key}
  add --count N --prefix P       provision P-1 … P-N: one such JSON object per line, one file write
  list                           every identity (meters, backend, Home Assistant), no secrets, one JSON per line
  revoke <id>                    the meter is refused from now on (a running backend disconnects it at once)
  rotate <id>                    a new password and command key, printed as add does; the old ones stop working
  homeassistant                  issue (or re-issue) Home Assistant's MQTT login: prints {username, password, mqtt_url}
  mosquitto --out DIR            write DIR/dinmeter.passwd and DIR/dinmeter.acl for an external Mosquitto
options:
  --data-dir DIR    the backend's data folder (default: DATA_DIR from the environment or .env, else .data/backend)
  --mqtt-url URL    the broker URL printed for meters (default: MQTT_URL, else this host's embedded broker)
Passwords are printed once and stored only hashed (docs/security.md).`,
  options: {
    'data-dir': { type: 'string' },
    'mqtt-url': { type: 'string' },
    count: { type: 'string' },
    prefix: { type: 'string' },
    out: { type: 'string' },
  },
  positionals: [1, 2],
} as const;

type Values = CliArgs<typeof SPEC.options>['values'];

/** The backend's settings as the backend would read them (environment over .env). */
function backendConfig(): AppConfig {
  const fromFile = existsSync('.env') ? parseDotEnv(readFileSync('.env', 'utf8')) : {};
  return loadConfig({ ...fromFile, ...process.env });
}

function print(objects: object[]): void {
  process.stdout.write(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
}

/** `dinmeter device …`: meters' MQTT credentials and command keys (docs/security.md, "Broker identity"). */
export async function runDeviceCli(argv: string[]): Promise<void> {
  await runCli(
    SPEC,
    async ({ values, positionals: [command, id] }) => {
      const needsId = ['revoke', 'rotate'].includes(command) || (command === 'add' && values.count === undefined);
      if (!['add', 'list', 'revoke', 'rotate', 'homeassistant', 'mosquitto'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
      if (needsId && id === undefined) throw new UsageError(`${command} needs a device id`);
      if (!needsId && id !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(id)}`);
      const ids = command === 'add' ? meterIds(values, id) : [];
      if (command === 'mosquitto' && !values.out) throw new UsageError('mosquitto needs --out DIR');
      const config = backendConfig();
      const registry = new CredentialsRegistry(resolve(values['data-dir'] ?? config.DATA_DIR));
      const mqttUrl = values['mqtt-url'] ?? meterMqttUrl(config);
      try {
        switch (command) {
          case 'add':
            return print((await registry.add(ids)).map((m) => issuedCredentialJson(m, mqttUrl)));
          case 'rotate':
            return print([issuedCredentialJson(await registry.rotate(id), mqttUrl)]);
          case 'revoke':
            return print([registry.revoke(id)]);
          case 'list':
            return print(registry.list());
          case 'homeassistant':
            return print([{ ...(await registry.issueService('homeassistant')), mqtt_url: mqttUrl }]);
          case 'mosquitto': {
            const written = writeMosquittoFiles(registry.file.read(), resolve(values.out!), config.HA_DISCOVERY_PREFIX);
            process.stderr.write(`wrote ${written.passwd} (${written.users} users) and ${written.acl}\n`);
            return;
          }
        }
      } catch (error) {
        if (error instanceof CredentialsError && error.reason === 'invalid') throw new UsageError(error.message);
        throw error;
      }
    },
    argv,
  );
}

function meterIds(values: Values, id: string | undefined): string[] {
  if (values.count === undefined) {
    if (values.prefix !== undefined) throw new UsageError('--prefix goes with --count');
    return [id!];
  }
  if (id !== undefined) throw new UsageError('add takes either <id> or --count N --prefix P');
  const count = numberOption('count', values.count, { min: 1, max: 100_000, integer: true })!;
  if (!values.prefix) throw new UsageError('--count needs --prefix');
  return Array.from({ length: count }, (_, k) => `${values.prefix}-${k + 1}`);
}
