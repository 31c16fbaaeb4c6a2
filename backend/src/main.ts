import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readFileSync } from 'node:fs';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadConfig, parseDotEnv } from './config/app-config';
import { BrokerService } from './broker/broker.service';
import { backendShutdownSteps } from './lifecycle/backend-shutdown';
import { runShutdown, SHUTDOWN_DEADLINE_MS } from './lifecycle/graceful-shutdown';
import { createAppLogger } from './common/app-logger';
import { configureHttp } from './http.setup';

function readConfig(): AppConfig {
  const fromFile = existsSync('.env') ? parseDotEnv(readFileSync('.env', 'utf8')) : {};
  try {
    return loadConfig({ ...fromFile, ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`dinmeter backend: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const logger = createAppLogger(config.LOG_LEVEL, config.LOG_FORMAT, process.stdout.isTTY === true);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger });
  configureHttp(app, config);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  stopOnSignals(app);
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  const broker = app.get(BrokerService);
  // One machine-readable line, plain text in every LOG_FORMAT: scripts and tests wait for it.
  process.stdout.write(`dinmeter backend ready: http=http://127.0.0.1:${httpPort}/api mqtt=${broker.url}\n`);
}

/**
 * SIGTERM and SIGINT run the ordered shutdown (lifecycle/graceful-shutdown.ts) instead of Nest's
 * hooks, which close in parallel; a second signal (Ctrl-C reaches `npm start` and its children
 * alike) changes nothing. Exit 0 once the steps ran, 1 if the deadline passed first.
 */
function stopOnSignals(app: Awaited<ReturnType<typeof NestFactory.create>>): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.log(`${signal}: stopping`);
    const deadline = setTimeout(() => {
      logger.error(`not stopped after ${SHUTDOWN_DEADLINE_MS} ms: exiting anyway (records not acked are replayed by the meters)`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void runShutdown(backendShutdownSteps(app), logger).then((clean) => {
      process.stdout.write(`dinmeter backend stopped in ${Date.now() - started} ms${clean ? '' : ' (a step ran out of time, see above)'}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((error) => {
  process.stderr.write(`dinmeter backend failed to start: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
