import { Provider } from '@nestjs/common';
import { COMMAND_KEYS } from '../command-keys';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';

/** MQTT identities and command keys (docs/security.md, "Broker identity"). Listed by AppModule.forRoot. */
export const CREDENTIALS_CONTROLLERS = [CredentialsController];
export const CREDENTIALS_PROVIDERS: Provider[] = [CredentialsService, { provide: COMMAND_KEYS, useExisting: CredentialsService }];
