import { Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { AppConfig } from '../config/app-config';
import { LeaderModule } from '../leader/leader.module';
import { ConsumerTariff, TariffConfigError, validateTariffConfig } from './consumer-tariff';
import { ENTSOE_POLICY, PollPolicy } from './day-ahead.poller';
import { DayAheadSource, EntsoeSource, EsiosSource } from './price-sources';
import { DAY_AHEAD_POLICY, DAY_AHEAD_SOURCE, PriceFetchService } from './price-fetch.service';
import { PricesController } from './prices.controller';
import { PricesRepository } from './prices.repository';
import { PRICE_AREA, PRICE_TARIFF, PricesService } from './prices.service';

/** Reads and checks TARIFF_FILE; a bad file stops the start with every problem listed. */
export function loadTariff(path: string | undefined): ConsumerTariff | undefined {
  if (!path) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TariffConfigError([`TARIFF_FILE ${path}: ${(error as Error).message}`]);
  }
  return new ConsumerTariff(validateTariffConfig(raw));
}

export function priceArea(c: AppConfig): string {
  if (c.PRICE_AREA) return c.PRICE_AREA;
  if (c.PRICE_SOURCE === 'entsoe' && c.ENTSOE_AREA) return c.ENTSOE_AREA;
  return c.PRICE_SOURCE === 'esios' ? 'ES' : 'default';
}

export function dayAheadSource(c: AppConfig): DayAheadSource | undefined {
  if (c.PRICE_SOURCE === 'entsoe') {
    return new EntsoeSource({ baseUrl: c.PRICE_API_URL ?? 'https://web-api.tp.entsoe.eu/api', securityToken: c.ENTSOE_TOKEN!, area: c.ENTSOE_AREA! });
  }
  if (c.PRICE_SOURCE === 'esios') return new EsiosSource({ baseUrl: c.PRICE_API_URL ?? 'https://api.esios.ree.es', apiKey: c.ESIOS_TOKEN! });
  return undefined;
}

export function dayAheadPolicy(c: AppConfig): PollPolicy {
  // SDAC results come ~13:00 CET; PVPC is published around 20:15 Madrid time.
  return { ...ENTSOE_POLICY, timeZone: c.PRICE_TIMEZONE, publishLocalHour: c.PRICE_SOURCE === 'esios' ? 20 : 13 };
}

/** Prices: storage in InfluxDB, REST, fetchers. */
@Module({
  imports: [LeaderModule],
  controllers: [PricesController],
  providers: [
    { provide: PRICE_TARIFF, useFactory: (c: AppConfig) => loadTariff(c.TARIFF_FILE) ?? null, inject: [AppConfig] },
    { provide: PRICE_AREA, useFactory: priceArea, inject: [AppConfig] },
    { provide: DAY_AHEAD_SOURCE, useFactory: (c: AppConfig) => dayAheadSource(c) ?? null, inject: [AppConfig] },
    { provide: DAY_AHEAD_POLICY, useFactory: dayAheadPolicy, inject: [AppConfig] },
    PricesRepository,
    PricesService,
    PriceFetchService,
  ],
  exports: [PricesService],
})
export class PricesModule {}
