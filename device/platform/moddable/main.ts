/**
 * ESP32 entry point (entry.js imports it as module "platform/moddable/main"): builds the ports,
 * resolves the provisioning, starts the portable core (MeterCore — the same composition root as
 * the virtual meter) and drives it from one Timer. Networking comes up beside it: the core meters,
 * records to flash and restores relays with or without Wi-Fi, MQTT and SNTP.
 */
import { encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import config from 'mc/config';
import Preference from 'preference';
import Timer from 'timer';
import { BOARD_CALIBRATION } from '../../board/front-end';
import { MeterCore } from '../../core/app/meter-core';
import { createDevicePorts } from './device-ports';
import { portalStationMac } from './access-point.adapter';
import { isCommissioned, portalRequested } from './commissioning-store.adapter';
import { ModdableMqtt } from './mqtt.adapter';
import { startPortalMode } from './portal-mode';
import { PROVISIONING_DOMAIN, resolveProvisioning } from './provisioning';
import { SetupButtonInput } from './setup-button.adapter';
import { WifiLink } from './wifi.adapter';

/** The version this build calls itself until an OTA order names it (docs/ota.md). */
export const FIRMWARE_VERSION = 'dinmeter-esp32 0.1.0';
/**
 * Core tick period. MeterApp.tick() does at most one metering poll (10 chips, ~40 ms of SPI at
 * 160 kHz), one record and one delivery step per call, so a turn stays far below the 10 s task
 * watchdog (sdkconfig.defaults) and the event loop keeps feeding it.
 */
const TICK_MS = 50;
/** Consecutive failing ticks before giving up: rethrowing lets the runtime restart the meter. */
const MAX_FAILED_TICKS = 20;

function savedProvisioning(key: string): unknown {
  try {
    return Preference.get(PROVISIONING_DOMAIN, key);
  } catch {
    return undefined; // NVS read error: fall back to the build config
  }
}

function randomBootId(): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}

const ports = createDevicePorts(FIRMWARE_VERSION);
/** What runs: the signed version an update installed, else the built-in one. */
const firmware = ports.ota?.slots.running().version ?? FIRMWARE_VERSION;
// Portal mode (docs/setup-portal.md) runs the AP on the SDK's `wifi` module: no station link then.
const portalWanted = portalRequested() || !isCommissioned(resolveProvisioning(config, savedProvisioning, undefined));
const wifi = portalWanted ? undefined : new WifiLink();
const provisioning = resolveProvisioning(config, savedProvisioning, wifi ? wifi.mac : portalStationMac());
for (const problem of provisioning.problems) trace(`dinmeter provisioning: ${problem}\n`);
const { deviceId } = provisioning;
const setupButton = new SetupButtonInput();

const mqtt = provisioning.mqtt
  ? new ModdableMqtt({
      host: provisioning.mqtt.host,
      port: provisioning.mqtt.port,
      tls: provisioning.mqtt.tls,
      clientId: deviceId, // the broker ACL keys on the client id (backend/src/broker)
      user: provisioning.mqtt.user,
      password: provisioning.mqtt.password,
      will: { topic: topics.status(deviceId), message: encodeMessage('status', { v: PROTOCOL_VERSION, online: false }), qos: 1, retain: true },
    })
  : undefined;

/** Without a broker the core still runs: publishes are refused and records wait in flash. */
const offline = { connected: false, publish: () => false, subscribe: () => undefined };

const core = new MeterCore(
  { ...ports, mqtt: mqtt ?? offline },
  {
    deviceId,
    firmware,
    bootId: randomBootId(),
    intervalS: provisioning.intervalS,
    commandKey: provisioning.commandKey,
    calibration: BOARD_CALIBRATION,
  },
);
core.start();
trace(`dinmeter ${deviceId} (${provisioning.deviceIdSource}): ${JSON.stringify(core.bootReport)}\n`);

let failedTicks = 0;
Timer.repeat(() => {
  try {
    core.tick();
    setupButton.poll(ports.clock.monotonicMs());
    failedTicks = 0;
  } catch (error) {
    failedTicks++;
    trace(`dinmeter tick failed (${failedTicks}): ${error instanceof Error ? error.message : String(error)}\n`);
    if (failedTicks >= MAX_FAILED_TICKS) throw error;
  }
}, TICK_MS);

if (portalWanted) startPortalMode({ provisioning, settings: ports.settings, firmware });
else if (wifi && provisioning.wifi) {
  let networkStarted = false;
  wifi.start(provisioning.wifi, () => {
    trace(`dinmeter: Wi-Fi up, address ${wifi.address ?? '?'}\n`);
    if (networkStarted) return; // SNTP keeps its own schedule; MQTT reconnects by itself
    networkStarted = true;
    // Wall time stays undefined until SNTP answers; the core keeps untimed records meanwhile.
    ports.clock.start(provisioning.sntp);
    try {
      mqtt?.start(core.app);
    } catch (error) {
      trace(`dinmeter: MQTT not started: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
}
