/**
 * `npm run meter:portal -- --data-dir DIR [--port N] [--id ID] [--interval S]`: one virtual meter
 * that commissions itself like a new ESP32 (docs/setup-portal.md). Without a login in
 * DIR/settings.json it serves the setup portal on 127.0.0.1:PORT; the form's claim code is redeemed
 * at the backend named in it, the credentials and the circuit setup are saved, and the meter starts
 * and joins the backend over MQTT. A commissioned meter starts at once (the portal keeps serving
 * its status). Prints `portal: http://127.0.0.1:PORT/` and `meter <id> commissioned`.
 */
import { resolve } from 'node:path';
import { CT_MODELS, isValidDeviceId } from '@dinmeter/shared';
import { CliArgs, numberOption, required, runCli, UsageError } from '../../../shared/node/cli';
import { BOARD_OPTIONS } from '../../board/options';
import { ClaimedCredentials } from '../../core/commissioning/commissioning.ports';
import { Commissioning } from '../../core/commissioning/commissioning';
import { PortalHandler } from '../../core/commissioning/portal-handler';
import { loadFixtureTraces } from '../../sim/fixture-traces';
import { FileSettingsStore } from './file-settings';
import { FetchHttpClient, HostPortalNetwork, SettingsCommissioningStore } from './host-commissioning';
import { HostClock } from './host-clock';
import { settingsPath } from './meter-provisioning';
import { PortalServer } from './portal-server';
import { FIRMWARE_VERSION, VirtualMeter } from './virtual-meter';

const SPEC = {
  name: 'meter:portal',
  usage: `usage: npm run meter:portal -- --data-dir DIR [--port N] [--id ID] [--interval SECONDS]
  --data-dir  the meter's flash image and settings (a fresh folder: a meter out of the box)
  --port      the portal's port on 127.0.0.1 (default 8080; 0 = any free port)
  --id        the device id the meter asks for (default vm-portal)
  --interval  seconds between records (default 10)`,
  options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, id: { type: 'string' }, interval: { type: 'string' } },
} as const;

async function main({ values }: CliArgs<typeof SPEC.options>): Promise<void> {
  const dataDir = resolve(required('data-dir', values['data-dir'] || undefined));
  const port = numberOption('port', values.port, { min: 0, max: 65535, integer: true }) ?? 8080;
  const intervalS = numberOption('interval', values.interval, { min: 0.1, max: 3600 }) ?? 10;
  const requestedId = values.id ?? 'vm-portal';
  if (!isValidDeviceId(requestedId)) throw new UsageError(`invalid device id ${JSON.stringify(requestedId)}`);

  const store = new SettingsCommissioningStore(new FileSettingsStore(settingsPath(dataDir)));
  let meter: VirtualMeter | undefined;
  const startMeter = (credentials: ClaimedCredentials) => {
    meter = new VirtualMeter({
      deviceId: credentials.deviceId,
      dataDir,
      mqttUrl: credentials.mqttUrl,
      mqttLogin: { username: credentials.mqttUser, password: credentials.mqttPassword },
      commandKey: credentials.commandKey,
      intervalS,
      clock: new HostClock(1),
      seed: 1,
      traces: loadTraces(),
    });
    meter.start();
    process.stdout.write(`meter ${credentials.deviceId} commissioned: ${credentials.mqttUrl}, boot ${JSON.stringify(meter.core.bootReport)}\n`);
  };

  const network = new HostPortalNetwork();
  const commissioning = new Commissioning({
    network,
    http: new FetchHttpClient(),
    store,
    deviceId: requestedId,
    firmware: FIRMWARE_VERSION,
    onCommissioned: startMeter,
    onChange: (status) => process.stdout.write(`commissioning: ${status.phase}${status.error ? `: ${status.error}` : ''}\n`),
  });
  const server = new PortalServer();
  const bound = await server.start(port);
  server.handler = new PortalHandler({ commissioning, context: { ctModels: CT_MODELS, ethernet: BOARD_OPTIONS.ethernetW5500 }, deviceId: requestedId, portalHost: `127.0.0.1:${bound}` });
  process.stdout.write(`portal: http://127.0.0.1:${bound}/\n`);
  if (commissioning.start() === 'operating') startMeter(store.saved()!);

  const stop = async () => {
    await server.stop();
    await meter?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function loadTraces() {
  try {
    return loadFixtureTraces();
  } catch {
    return undefined; // synthetic stand-ins
  }
}

void runCli(SPEC, (parsed) => main(parsed));
