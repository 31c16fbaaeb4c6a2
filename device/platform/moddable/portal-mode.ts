/**
 * Portal mode on the ESP32 (docs/setup-portal.md): entered on a meter that is not commissioned or
 * after a long press of the setup button. The core keeps metering and switching meanwhile (MQTT
 * offline, records wait in flash); once the claim has stored the credentials the meter shows the
 * result for RESTART_AFTER_MS and restarts into normal operation.
 */
import System from 'embedded:io/system';
import Timer from 'timer';
import { CT_MODELS } from '@dinmeter/shared';
import { Commissioning } from '../../core/commissioning/commissioning';
import { PortalHandler } from '../../core/commissioning/portal-handler';
import type { SettingsStore } from '../../core/ports';
import { BOARD_OPTIONS } from '../../board/options';
import { AccessPointPortal } from './access-point.adapter';
import { ModdableHttpClient } from './claim-http.adapter';
import { NvsCommissioningStore, requestPortal } from './commissioning-store.adapter';
import type { Provisioning } from './provisioning';

/** Long enough for the status page (it refreshes every 2 s) to show "Done". */
const RESTART_AFTER_MS = 15_000;

export function startPortalMode(options: { provisioning: Provisioning; settings: SettingsStore; firmware: string }): Commissioning {
  const { deviceId } = options.provisioning;
  const network: AccessPointPortal = new AccessPointPortal(`dinmeter-${deviceId.slice(-6)}`, (address): PortalHandler =>
    new PortalHandler({ commissioning, context: { ctModels: CT_MODELS, ethernet: BOARD_OPTIONS.ethernetW5500 }, deviceId, portalHost: address }),
  );
  const commissioning: Commissioning = new Commissioning({
    network,
    http: new ModdableHttpClient(),
    store: new NvsCommissioningStore(options.provisioning, options.settings),
    deviceId,
    firmware: options.firmware,
    onCommissioned: () => Timer.set(() => System.restart(), RESTART_AFTER_MS),
    onChange: (status) => trace(`dinmeter commissioning: ${status.phase}${status.error ? `: ${status.error}` : ''}\n`),
  });
  requestPortal(false);
  commissioning.requestPortal();
  return commissioning;
}
