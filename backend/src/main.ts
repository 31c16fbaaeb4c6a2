import 'reflect-metadata';
import { LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, readFileSync } from 'node:fs';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadConfig, parseDotEnv } from './config/app-config';
import { BrokerService } from './broker/broker.service';
import { PRICE_TEXT_MEDIA_TYPES } from './prices/prices.dto';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

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
  const logger = LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger });
  // Price documents may be posted as text (text/csv, XML) and may be large: both parsers take 6 MB.
  app.useBodyParser('json', { limit: '6mb' });
  app.useBodyParser('text', { type: Object.keys(PRICE_TEXT_MEDIA_TYPES), limit: '6mb' });
  app.setGlobalPrefix('api');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  const broker = app.get(BrokerService);
  // One machine-readable line: scripts and tests wait for it.
  process.stdout.write(`dinmeter backend ready: http=http://127.0.0.1:${httpPort}/api mqtt=${broker.url}\n`);
}

bootstrap().catch((error) => {
  process.stderr.write(`dinmeter backend failed to start: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
