import { Global, Module } from '@nestjs/common';
import { CredentialsModule } from '../security/credentials/credentials.module';
import { BrokerService } from './broker.service';

/** The embedded MQTT broker (or the external one's URL and login). Global: AppModule imports it once. */
@Global()
@Module({
  imports: [CredentialsModule],
  providers: [BrokerService],
  exports: [BrokerService],
})
export class BrokerModule {}
