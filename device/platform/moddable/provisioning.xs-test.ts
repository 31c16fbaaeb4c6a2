/** Provisioning layers (provisioning.ts): preference over build config over MAC; bad values are problems, not crashes. */
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { deviceIdFromMac, parseMqttUrl, resolveProvisioning } from './provisioning';

const BUILD = {
  deviceId: '',
  wifiSsid: 'plant-room',
  wifiPassword: 'secret',
  mqttUrl: 'mqtt://dinmeter.local:1883',
  sntp: 'pool.ntp.org',
  intervalS: 10,
  commandKey: '00'.repeat(32),
};
const none = (): undefined => undefined;
const prefs = (values: Record<string, unknown>) => (key: string) => values[key];
const MAC = 'A4:CF:12:0B:3C:7D';

const tests: XsTest[] = [
  {
    name: 'provisioning: device id from the MAC when nothing is provisioned',
    run() {
      const p = resolveProvisioning(BUILD, none, MAC);
      checkEqual(p.deviceId, 'dm-a4cf120b3c7d');
      checkEqual(p.deviceIdSource, 'mac');
      checkEqual(p.problems.length, 0, p.problems.join('; '));
      checkEqual(p.mqtt?.host, 'dinmeter.local');
      checkEqual(p.mqtt?.port, 1883);
      checkEqual(p.wifi?.ssid, 'plant-room');
      checkEqual(p.intervalS, 10);
    },
  },
  {
    name: 'provisioning: preferences override the build config, field by field',
    run() {
      const p = resolveProvisioning({ ...BUILD, deviceId: 'from-build' }, prefs({ id: 'meter-7', mqtt: 'mqtts://broker.example.com', interval: 5, user: 'm7', pw: 'pw' }), MAC);
      checkEqual(p.deviceId, 'meter-7');
      checkEqual(p.deviceIdSource, 'preference');
      checkEqual(p.mqtt?.tls, true);
      checkEqual(p.mqtt?.port, 8883);
      checkEqual(p.mqtt?.user, 'm7');
      checkEqual(p.intervalS, 5);
      checkEqual(p.wifi?.password, 'secret', 'unset preference falls back to the build');
      checkEqual(p.commandKey?.length, 32, 'command key from the build');
      checkEqual(resolveProvisioning(BUILD, prefs({ ckey: 'ab'.repeat(32) }), MAC).commandKey?.[0], 0xab, 'command key from NVS');
    },
  },
  {
    name: 'provisioning: an invalid value is a problem and the next layer is used',
    run() {
      const p = resolveProvisioning({ ...BUILD, deviceId: 'has space', intervalS: '0' }, prefs({ mqtt: 'http://nope' }), MAC);
      checkEqual(p.deviceId, 'dm-a4cf120b3c7d');
      checkEqual(p.mqtt, undefined, 'bad URL: offline');
      checkEqual(p.intervalS, 10);
      check(p.problems.some((m) => /device id from config/.test(m)), 'device id problem');
      check(p.problems.some((m) => /MQTT URL/.test(m)), 'URL problem');
      check(p.problems.some((m) => /interval/.test(m)), 'interval problem');
      const badKey = resolveProvisioning({ ...BUILD, commandKey: 'abc' }, none, MAC);
      checkEqual(badKey.commandKey, undefined, 'a malformed key is no key');
      check(badKey.problems.some((m) => /command key from config: a command key is 64 hex digits/.test(m)), badKey.problems.join('; '));
    },
  },
  {
    name: 'provisioning: no SSID and no MAC still give a running (offline) meter',
    run() {
      const p = resolveProvisioning({}, none, undefined);
      checkEqual(p.deviceId, 'dm-unprovisioned');
      checkEqual(p.wifi, undefined);
      checkEqual(p.mqtt, undefined);
      checkEqual(p.sntp, 'pool.ntp.org');
      checkEqual(p.problems.length, 4, p.problems.join('; '));
      checkEqual(p.commandKey, undefined, 'no command key');
    },
  },
  {
    name: 'provisioning: MQTT URLs and MACs are parsed strictly',
    run() {
      checkEqual(parseMqttUrl('mqtt://10.0.0.5').port, 1883);
      checkEqual(parseMqttUrl('mqtt://10.0.0.5:1884/').port, 1884);
      checkThrows(() => parseMqttUrl('mqtt://user:pw@host'), /mqtt:\/\//);
      checkThrows(() => parseMqttUrl('mqtt://host:70000'), /port/);
      checkEqual(deviceIdFromMac('00:00:00:00:00:00'), undefined);
      checkEqual(deviceIdFromMac('a4-cf-12-0b-3c-7d'), 'dm-a4cf120b3c7d');
    },
  },
];

export default tests;
