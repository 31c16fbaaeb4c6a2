import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { decodeMessage, FIRMWARE_PUBLIC_KEY_HEX, FIRMWARE_SIGNATURE_HEX_PATTERN, firmwareManifestProblem, isValidDeviceId, topics } from '@dinmeter/shared';
import { createHash } from 'node:crypto';
import { CommandsService } from '../commands/commands.service';
import { CLOCK, NowFn } from '../common/tokens';
import { AppConfig } from '../config/app-config';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { API_PREFIX } from '../openapi/openapi.route';
import { verifyFirmwareManifest } from './firmware-keys';
import { DeviceFirmware, FIRMWARE_STORE, FirmwareImage, FirmwareStore } from './firmware.types';

/** How long a rollout command may wait for the meter to accept it (it acks on accepting, before downloading). */
const ROLLOUT_TTL_S = 600;

/**
 * Firmware images and their rollout (docs/ota.md): an upload is kept only if its manifest's
 * Ed25519 signature verifies with the firmware key; a rollout sends each meter a signed `firmware`
 * command through the command path; each meter's retained status says what it runs and how its
 * update goes.
 */
@Injectable()
export class FirmwareService implements OnModuleInit {
  private readonly logger = new Logger(FirmwareService.name);
  private readonly devices = new Map<string, DeviceFirmware>();
  private readonly listeners: ((device: DeviceFirmware) => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    @Inject(FIRMWARE_STORE) private readonly store: FirmwareStore,
    private readonly commands: CommandsService,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('status', (deviceId, payload) => this.onStatus(deviceId, payload));
    this.mqtt.onConnect(() => void this.publishLatest());
  }

  /** The key uploads must be signed with: FIRMWARE_PUBLIC_KEY, else the one built into the firmware. */
  get publicKeyHex(): string | undefined {
    return this.config.FIRMWARE_PUBLIC_KEY ?? FIRMWARE_PUBLIC_KEY_HEX;
  }

  upload(bytes: Uint8Array | undefined, version: unknown, signature: unknown): FirmwareImage {
    if (!bytes || bytes.length === 0) throw new BadRequestException('image: the firmware file is missing or empty');
    if (typeof signature !== 'string' || !FIRMWARE_SIGNATURE_HEX_PATTERN.test(signature)) throw new BadRequestException('signature must be 128 lower-case hex digits (firmware sign prints it)');
    const manifest = { version: version as string, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    const problem = firmwareManifestProblem(manifest);
    if (problem) throw new BadRequestException(problem);
    const key = this.publicKeyHex;
    if (!key) throw new ConflictException('no firmware key: run `dinmeter firmware keygen` or set FIRMWARE_PUBLIC_KEY (docs/ota.md)');
    if (!verifyFirmwareManifest(manifest, signature, key)) {
      throw new BadRequestException(`the signature does not verify: not signed with the firmware key ${key.slice(0, 16)}…, or not for version ${manifest.version}, ${manifest.sizeBytes} bytes, sha256 ${manifest.sha256}`);
    }
    if (this.store.list().some((image) => image.version === manifest.version)) throw new ConflictException(`version ${manifest.version} is already uploaded`);
    const image: FirmwareImage = { version: manifest.version, sizeBytes: manifest.sizeBytes, sha256: manifest.sha256, signature, uploadedAt: this.now() };
    this.store.add(image, bytes);
    this.logger.log(`firmware ${image.version} stored (${image.sizeBytes} bytes, sha256 ${image.sha256})`);
    void this.publishLatest();
    return image;
  }

  list(): FirmwareImage[] {
    return this.store.list();
  }

  image(version: string): FirmwareImage {
    const image = this.store.list().find((candidate) => candidate.version === version);
    if (!image) throw new NotFoundException(`no firmware ${JSON.stringify(version)}`);
    return image;
  }

  /** The newest upload, or undefined before the first. */
  latest(): FirmwareImage | undefined {
    return this.store.list().at(-1);
  }

  imagePath(version: string): string {
    return this.store.pathOf(this.image(version).sha256);
  }

  /**
   * Sends `version` to each meter; `requestBase` (scheme://host of the REST request) is where meters
   * fetch it unless FIRMWARE_URL_BASE says otherwise. Checks everything before sending anything.
   */
  rollout(deviceIds: string[], version: string, requestBase?: string): DeviceFirmware[] {
    const image = this.image(version);
    const bad = deviceIds.filter((id) => !isValidDeviceId(id));
    if (deviceIds.length === 0 || bad.length > 0) throw new BadRequestException(deviceIds.length === 0 ? 'no meters given' : `invalid device ids: ${bad.join(', ')}`);
    const base = this.config.FIRMWARE_URL_BASE ?? requestBase;
    if (!base) throw new ConflictException('FIRMWARE_URL_BASE is not set: meters would not know where to fetch the image');
    const url = `${base.replace(/\/+$/, '')}/${API_PREFIX}/firmware/${encodeURIComponent(image.version)}/image`;
    return deviceIds.map((deviceId) => {
      const command = this.commands.send(
        deviceId,
        { op: 'firmware', version: image.version, url, size: image.sizeBytes, sha256: image.sha256, signature: image.signature },
        ROLLOUT_TTL_S,
      );
      const device = this.entry(deviceId);
      device.rollout = { version: image.version, commandId: command.commandId, at: this.now() };
      this.changed(device);
      return device;
    });
  }

  /** Home Assistant's install button: the newest upload to one meter (needs FIRMWARE_URL_BASE). */
  installLatest(deviceId: string): DeviceFirmware {
    const latest = this.latest();
    if (!latest) throw new ConflictException('no firmware uploaded yet');
    return this.rollout([deviceId], latest.version)[0];
  }

  device(deviceId: string): DeviceFirmware {
    return this.devices.get(deviceId) ?? { deviceId };
  }

  /** Called on every change of a meter's firmware state (the Home Assistant update entity). */
  onChange(listener: (device: DeviceFirmware) => void): void {
    this.listeners.push(listener);
  }

  /** The newest version, retained: every Home Assistant update entity's latest_version. */
  private async publishLatest(): Promise<void> {
    const latest = this.latest();
    if (latest && this.mqtt.connected) await this.mqtt.publishQuietly(topics.firmwareLatest(), latest.version, { qos: 1, retain: true });
  }

  private onStatus(deviceId: string, payload: Buffer): void {
    const status = decodeMessage('status', payload);
    if (!status.ok || !status.value.online) return;
    const device = this.entry(deviceId);
    device.installed = status.value.firmware;
    device.ota = status.value.ota;
    this.changed(device);
  }

  private entry(deviceId: string): DeviceFirmware {
    let device = this.devices.get(deviceId);
    if (!device) this.devices.set(deviceId, (device = { deviceId }));
    return device;
  }

  private changed(device: DeviceFirmware): void {
    for (const listener of this.listeners) listener(device);
  }
}
