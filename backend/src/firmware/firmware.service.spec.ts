import { Logger } from '@nestjs/common';
import { encodeMessage, PROTOCOL_VERSION } from '@dinmeter/shared';
import { createHash } from 'node:crypto';
import { CommandsService } from '../commands/commands.service';
import { loadConfig } from '../config/app-config';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { firmwarePrivateKey, generateFirmwareKeyPair, signFirmwareManifest } from './firmware-keys';
import { FirmwareService } from './firmware.service';
import { FirmwareImage, FirmwareStore } from './firmware.types';

const NOW = 1_760_000_000_000;

class MemoryFirmwareStore implements FirmwareStore {
  readonly images: FirmwareImage[] = [];
  readonly bytes = new Map<string, Uint8Array>();
  list(): FirmwareImage[] {
    return this.images.slice();
  }
  add(image: FirmwareImage, bytes: Uint8Array): void {
    this.images.push(image);
    this.bytes.set(image.sha256, bytes);
  }
  pathOf(sha256: string): string {
    return `/firmware/${sha256}.bin`;
  }
}

describe(FirmwareService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  const keys = generateFirmwareKeyPair();
  const image = new Uint8Array(5000).map((_, k) => k & 0xff);
  const sha256 = createHash('sha256').update(image).digest('hex');
  const sign = (version: string, bytes = image) =>
    signFirmwareManifest({ version, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, firmwarePrivateKey(keys.privateKeyPem));

  let store: MemoryFirmwareStore;
  let send: jest.Mock;
  let bus: InMemoryMqttBus;
  let service: FirmwareService;

  function create(env: Record<string, string> = { FIRMWARE_PUBLIC_KEY: keys.publicKeyHex }): void {
    store = new MemoryFirmwareStore();
    send = jest.fn((deviceId: string) => ({ commandId: `cmd-${deviceId}` }));
    bus = new InMemoryMqttBus({ connected: true });
    service = new FirmwareService(loadConfig(env), store, { send } as unknown as CommandsService, bus, () => NOW);
    service.onModuleInit();
  }

  beforeEach(() => create());

  describe('upload', () => {
    it('should store an image whose manifest signature verifies, with its SHA-256, and publish it as the latest', () => {
      const stored = service.upload(image, '1.2.0', sign('1.2.0'));
      expect(stored).toEqual({ version: '1.2.0', sizeBytes: 5000, sha256, signature: sign('1.2.0'), uploadedAt: NOW });
      expect(store.bytes.get(sha256)).toBe(image);
      expect(bus.publishedTo('dinmeter/backend/firmware/latest')).toEqual(['1.2.0']);
      expect(bus.published[0].options).toEqual({ qos: 1, retain: true });
    });

    it.each([
      ['a signature by another key', () => signFirmwareManifest({ version: '1.2.0', sizeBytes: 5000, sha256 }, firmwarePrivateKey(generateFirmwareKeyPair().privateKeyPem)), /does not verify/],
      ['the signature of another version', () => sign('1.1.0'), /does not verify/],
      ['the signature of other bytes', () => sign('1.2.0', image.map((b) => b ^ 1)), /does not verify/],
      ['a signature that is not 128 hex digits', () => 'abc', /128 lower-case hex digits/],
    ])('should refuse %s with 400 and store nothing', (_what, signature, message) => {
      expect(() => service.upload(image, '1.2.0', signature())).toThrow(message);
      expect(store.images).toEqual([]);
      expect(bus.published).toEqual([]);
    });

    it('should refuse a version with a slash or space, an empty image and a second upload of a version', () => {
      expect(() => service.upload(image, '1.2/0', sign('1.2.0'))).toThrow(/version "1.2\/0" must match/);
      expect(() => service.upload(new Uint8Array(0), '1.2.0', sign('1.2.0'))).toThrow(/missing or empty/);
      service.upload(image, '1.2.0', sign('1.2.0'));
      expect(() => service.upload(image, '1.2.0', sign('1.2.0'))).toThrow(/already uploaded/);
      expect(store.images).toHaveLength(1);
    });

    it('should refuse every upload while there is no firmware key', () => {
      create({});
      expect(() => service.upload(image, '1.2.0', sign('1.2.0'))).toThrow(/no firmware key/);
    });
  });

  describe('rollout', () => {
    beforeEach(() => service.upload(image, '1.2.0', sign('1.2.0')));

    it('should send each meter a firmware command naming the image, fetched from the request host', () => {
      const result = service.rollout(['vm-1', 'vm-2'], '1.2.0', 'http://10.0.0.5:3000');
      const order = { op: 'firmware', version: '1.2.0', url: 'http://10.0.0.5:3000/api/firmware/1.2.0/image', size: 5000, sha256, signature: sign('1.2.0') };
      expect(send.mock.calls).toEqual([
        ['vm-1', order, 600],
        ['vm-2', order, 600],
      ]);
      expect(result.map((d) => d.rollout)).toEqual([
        { version: '1.2.0', commandId: 'cmd-vm-1', at: NOW },
        { version: '1.2.0', commandId: 'cmd-vm-2', at: NOW },
      ]);
    });

    it('should use FIRMWARE_URL_BASE over the request host, and need one of them', () => {
      create({ FIRMWARE_PUBLIC_KEY: keys.publicKeyHex, FIRMWARE_URL_BASE: 'https://meters.example:8443/' });
      service.upload(image, '1.2.0', sign('1.2.0'));
      service.installLatest('vm-1');
      expect(send.mock.calls[0][1].url).toBe('https://meters.example:8443/api/firmware/1.2.0/image');
      create();
      service.upload(image, '1.2.0', sign('1.2.0'));
      expect(() => service.installLatest('vm-1')).toThrow(/FIRMWARE_URL_BASE is not set/);
    });

    it('should send nothing when a device id is invalid, none is given or the version is unknown', () => {
      expect(() => service.rollout(['vm-1', 'a/b'], '1.2.0', 'http://h')).toThrow(/invalid device ids: a\/b/);
      expect(() => service.rollout([], '1.2.0', 'http://h')).toThrow(/no meters given/);
      expect(() => service.rollout(['vm-1'], '9.9.9', 'http://h')).toThrow(/no firmware "9.9.9"/);
      expect(send).not.toHaveBeenCalled();
    });
  });

  describe('device', () => {
    it("should follow the meter's retained status: what it runs and how its update goes", () => {
      const changes: unknown[] = [];
      service.onChange((device) => changes.push({ ...device }));
      const status = (ota?: object) => encodeMessage('status', { v: PROTOCOL_VERSION, online: true, firmware: '1.1.0', ...(ota ? { ota } : {}) } as never);
      bus.deliver('dinmeter/vm-1/status', status({ state: 'downloading', version: '1.2.0', bytes: 100, size: 5000 }), true);
      expect(service.device('vm-1')).toEqual({ deviceId: 'vm-1', installed: '1.1.0', ota: { state: 'downloading', version: '1.2.0', bytes: 100, size: 5000 } });
      bus.deliver('dinmeter/vm-1/status', encodeMessage('status', { v: PROTOCOL_VERSION, online: false }), true);
      expect(service.device('vm-1').installed).toBe('1.1.0'); // the last will says nothing about firmware
      bus.deliver('dinmeter/vm-1/status', '{"v":1,"online":true,"ota":{"state":"exploded"}}');
      expect(service.device('vm-1').ota?.state).toBe('downloading');
      expect(changes).toHaveLength(1);
      expect(service.device('vm-9')).toEqual({ deviceId: 'vm-9' });
    });
  });
});
