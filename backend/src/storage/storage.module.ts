import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counters } from '../common/counters';
import { POINT_WRITER, TELEMETRY_STORE } from '../common/tokens';
import { AppConfig } from '../config/app-config';
import { BatchingWriter } from './batching-writer';
import { RetentionService } from './retention.service';
import { TelemetryStore } from './storage.types';
import { createTelemetryStore } from './telemetry-store.factory';

/** Creates the database at start (without blocking it: InfluxDB may come up later) and flushes on shutdown. */
@Injectable()
export class StorageLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Storage');

  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: TelemetryStore,
    @Inject(POINT_WRITER) private readonly writer: BatchingWriter,
  ) {}

  onModuleInit(): void {
    this.store.ensureDatabase().then(
      () => this.logger.log('InfluxDB database ready'),
      // Not fatal: the 1.x store creates the database on its first 404, and ingest withholds acks meanwhile.
      (error: Error) => this.logger.warn(`InfluxDB not ready yet: ${error.message}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close();
    await this.store.close();
  }
}

/** InfluxDB: the store, the batching writer in front of it, retention. Global: AppModule imports it once. */
@Global()
@Module({
  providers: [
    {
      provide: TELEMETRY_STORE,
      useFactory: (c: AppConfig): TelemetryStore =>
        createTelemetryStore({
          url: c.INFLUX_URL,
          db: c.INFLUX_DB,
          token: c.INFLUX_TOKEN,
          org: c.INFLUX_ORG,
          bucket: c.INFLUX_BUCKET,
          version: c.INFLUX_VERSION,
        }),
      inject: [AppConfig],
    },
    {
      provide: POINT_WRITER,
      useFactory: (store: TelemetryStore, c: AppConfig, counters: Counters) =>
        new BatchingWriter(store, { maxPendingPoints: c.INGEST_MAX_PENDING_POINTS, concurrency: c.INFLUX_WRITE_CONCURRENCY }, { counters, logger: new Logger('Storage') }),
      inject: [TELEMETRY_STORE, AppConfig, Counters],
    },
    StorageLifecycle,
    RetentionService,
  ],
  exports: [TELEMETRY_STORE, POINT_WRITER, RetentionService],
})
export class StorageModule {}
