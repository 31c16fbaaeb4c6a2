import { Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { TokenStore } from '../tokens/token-store';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { RestAuthGuard } from './rest-auth.guard';
import { RestAuthService } from './rest-auth.service';

/** REST authentication: the token store in DATA_DIR, the failure limiter, the guard of every route. */
@Module({
  providers: [
    {
      provide: TokenStore,
      useFactory: (config: AppConfig) => {
        const logger = new Logger('RestAuth');
        return TokenStore.inDataDir(config.DATA_DIR, (message) => logger.error(message));
      },
      inject: [AppConfig],
    },
    { provide: AuthFailureLimiter, useFactory: () => new AuthFailureLimiter() },
    RestAuthService,
    { provide: APP_GUARD, useClass: RestAuthGuard },
  ],
})
export class RestAuthModule {}
