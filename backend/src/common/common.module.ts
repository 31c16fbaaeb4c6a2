import { Global, Module } from '@nestjs/common';
import { Counters } from './counters';
import { CLOCK } from './tokens';

/** The clock and the counters every feature uses. Global: AppModule imports it once. */
@Global()
@Module({
  providers: [{ provide: CLOCK, useValue: () => Date.now() }, Counters],
  exports: [CLOCK, Counters],
})
export class CommonModule {}
