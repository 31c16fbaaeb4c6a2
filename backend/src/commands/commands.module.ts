import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { CredentialsModule } from '../security/credentials/credentials.module';
import { CommandsController } from './commands.controller';
import { CommandsService } from './commands.service';
import { COMMANDS_REPOSITORY } from './commands.types';

/** Signed commands to meters, the one way to send them: sent, retried, acked or expired, kept in DATA_DIR/commands.json. */
@Module({
  imports: [DevicesModule, CredentialsModule],
  controllers: [CommandsController],
  providers: [
    {
      provide: COMMANDS_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'commands.json'), 200),
      inject: [AppConfig],
    },
    CommandsService,
  ],
  exports: [CommandsService],
})
export class CommandsModule {}
