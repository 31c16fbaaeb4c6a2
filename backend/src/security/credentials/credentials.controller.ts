import { BadRequestException, Body, ConflictException, Controller, Delete, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { BrokerService } from '../../broker/broker.service';
import { AppConfig } from '../../config/app-config';
import { RequireRole } from '../roles';
import { CredentialsError, IdentitySummary } from './credentials.registry';
import { IDENTITY_SUMMARY, ISSUED_CREDENTIAL } from './credentials.openapi';
import { CredentialsService } from './credentials.service';
import { IssuedCredentialJson, issuedCredentialJson, meterMqttUrl } from './issued-credential';

export class ProvisionDeviceDto {
  @IsString()
  id!: string;
}

/**
 * Meter provisioning over REST, for an admin (docs/security.md): the same registry and answer as
 * `dinmeter device add|rotate|revoke`. The password is in the answer once and nowhere else.
 */
@ApiTags('credentials')
@Controller('devices')
export class CredentialsController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly broker: BrokerService,
    private readonly config: AppConfig,
  ) {}

  /** POST /api/devices {"id":"meter-01"} → 201 {id, mqtt_url, username, password, command_key}. */
  @Post()
  @RequireRole('admin')
  @ApiCreatedResponse({ schema: ISSUED_CREDENTIAL })
  @ApiConflictResponse({ description: 'A meter with this id exists.' })
  async add(@Body() body: ProvisionDeviceDto): Promise<IssuedCredentialJson> {
    const [meter] = await guard(() => this.credentials.registry.add([body.id]));
    return issuedCredentialJson(meter, this.mqttUrl());
  }

  /** POST /api/devices/:id/credentials/rotate → a new password and command key; the old ones stop working at once. */
  @Post(':id/credentials/rotate')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOkResponse({ schema: ISSUED_CREDENTIAL })
  async rotate(@Param('id') id: string): Promise<IssuedCredentialJson> {
    const meter = await guard(() => this.credentials.registry.rotate(id));
    return issuedCredentialJson(meter, this.mqttUrl());
  }

  /** DELETE /api/devices/:id/credentials → the meter is disconnected and refused from now on. */
  @Delete(':id/credentials')
  @RequireRole('admin')
  @ApiOkResponse({ schema: IDENTITY_SUMMARY })
  async revoke(@Param('id') id: string): Promise<IdentitySummary> {
    return guard(async () => this.credentials.registry.revoke(id));
  }

  private mqttUrl(): string {
    return meterMqttUrl(this.config, { port: this.broker.port, tlsPort: this.broker.tlsPort });
  }
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    if (error.reason === 'exists') throw new ConflictException(error.message);
    if (error.reason === 'unknown') throw new NotFoundException(error.message);
    throw new BadRequestException(error.message);
  }
}
