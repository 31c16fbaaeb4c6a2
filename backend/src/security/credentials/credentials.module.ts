import { Module } from '@nestjs/common';
import { COMMAND_KEYS } from '../command-keys';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';

/** MQTT identities and command keys (docs/security.md, "Broker identity"). */
@Module({
  controllers: [CredentialsController],
  providers: [CredentialsService, { provide: COMMAND_KEYS, useExisting: CredentialsService }],
  exports: [CredentialsService, COMMAND_KEYS],
})
export class CredentialsModule {}
