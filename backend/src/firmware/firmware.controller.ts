import { Body, Controller, Get, Param, Post, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiConsumes, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FIRMWARE_MAX_BYTES } from '@dinmeter/shared';
import { DeviceIdPipe } from '../common/params';
import { Public, RequireRole } from '../security/roles';
import { DEVICE_FIRMWARE, FIRMWARE_IMAGE, FIRMWARE_IMAGES, FIRMWARE_UPLOAD } from './firmware.openapi';
import { FirmwareService } from './firmware.service';

/** The parts of Express's request and response used here (the repo has no @types/express). */
interface Request {
  protocol: string;
  get(header: string): string | undefined;
}
interface Response {
  sendFile(path: string, options: { acceptRanges: boolean; cacheControl: boolean; headers: Record<string, string> }): void;
}

const requestBase = (request: Request): string => `${request.protocol}://${request.get('host')}`;

/** Firmware images and rollouts (docs/ota.md). */
@ApiTags('firmware')
@Controller()
export class FirmwareController {
  constructor(private readonly firmware: FirmwareService) {}

  /** multipart/form-data: `image` (the file), `version`, `signature` (from `dinmeter firmware sign`). */
  @Post('firmware')
  @RequireRole('admin')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: FIRMWARE_UPLOAD })
  @ApiCreatedResponse({ schema: FIRMWARE_IMAGE })
  @ApiBadRequestResponse({ description: 'No image, a malformed version or signature, or a signature that does not verify with the firmware key: nothing stored.' })
  @ApiConflictResponse({ description: 'The version exists already, or the backend has no firmware key.' })
  @UseInterceptors(FileInterceptor('image', { limits: { fileSize: FIRMWARE_MAX_BYTES, files: 1 } }))
  upload(@UploadedFile() image: { buffer: Buffer } | undefined, @Body() body: { version?: unknown; signature?: unknown }) {
    return this.firmware.upload(image?.buffer, body?.version, body?.signature);
  }

  @Get('firmware')
  @ApiOkResponse({ schema: FIRMWARE_IMAGES })
  list() {
    return this.firmware.list();
  }

  /**
   * The image bytes for meters, which hold no REST token: public (an image is signed, not secret).
   * Range requests are answered with 206, so a broken download resumes (RFC 9110 §14).
   */
  @Get('firmware/:version/image')
  @Public()
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The whole image; 206 with the bytes asked for by a Range header.', schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'No such version.' })
  download(@Param('version') version: string, @Res() response: Response): void {
    response.sendFile(this.firmware.imagePath(version), { acceptRanges: true, cacheControl: false, headers: { 'Content-Type': 'application/octet-stream' } });
  }

  /** Rollout to a group: `{version, devices: [ids]}`. */
  @Post('firmware/rollouts')
  @RequireRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['version', 'devices'], properties: { version: { type: 'string' }, devices: { type: 'array', items: { type: 'string' } } } } })
  @ApiCreatedResponse({ schema: { type: 'array', items: DEVICE_FIRMWARE } })
  rollout(@Body() body: { version?: unknown; devices?: unknown }, @Req() request: Request) {
    const devices = Array.isArray(body?.devices) ? body.devices.map(String) : [];
    return this.firmware.rollout(devices, String(body?.version ?? ''), requestBase(request));
  }

  /** Rollout to one meter: `{version}`. */
  @Post('devices/:id/firmware')
  @RequireRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['version'], properties: { version: { type: 'string' } } } })
  @ApiCreatedResponse({ schema: DEVICE_FIRMWARE })
  rolloutOne(@Param('id', DeviceIdPipe) id: string, @Body() body: { version?: unknown }, @Req() request: Request) {
    return this.firmware.rollout([id], String(body?.version ?? ''), requestBase(request))[0];
  }

  /** What the meter runs, its update's progress and the last rollout to it. */
  @Get('devices/:id/firmware')
  @ApiOkResponse({ schema: DEVICE_FIRMWARE })
  device(@Param('id', DeviceIdPipe) id: string) {
    return this.firmware.device(id);
  }
}
