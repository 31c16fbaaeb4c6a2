/**
 * ESP32 entry point (mcconfig `modules: {"*": "./platform/moddable/main"}`): builds the ports
 * and hands them to the portable core. Nothing else belongs here.
 */
import config from 'mc/config';
import { createDevicePorts, DevicePorts } from './device-ports';

// TODO(lead): replace this stub with `import { startMeterApp } from '../../core/app/meter-app'`
// once the core exports it (it takes the ports and the config below).
function startMeterApp(ports: DevicePorts, settings: Record<string, unknown>): void {
  trace(`dinmeter: ${ports.selects.length} circuits ready; core app not wired yet (device ${String(settings.deviceId)})\n`);
}

const ports = createDevicePorts();
ports.clock.start(String(config.sntp ?? 'pool.ntp.org'));
startMeterApp(ports, config);
