import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { BrokerService } from '../broker/broker.service';
import { Counters } from '../common/counters';
import { TELEMETRY_STORE } from '../common/tokens';
import { MQTT_BUS } from '../mqtt/mqtt-bus';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { HealthController } from './health.controller';

describe(HealthController.name, () => {
  let app: INestApplication;
  const mqtt = new InMemoryMqttBus();
  const store = { ping: jest.fn() };

  beforeEach(async () => {
    mqtt.connected = true;
    store.ping.mockResolvedValue({ ok: true, version: '1.6.7' });
    const module = await Test.createTestingModule({
      controllers: [HealthController],
      providers: [
        { provide: MQTT_BUS, useValue: mqtt },
        { provide: BrokerService, useValue: { enabled: true, url: 'mqtt://127.0.0.1:1883', deniedPublishes: 0 } },
        { provide: Counters, useValue: { snapshot: () => ({}) } },
        { provide: TELEMETRY_STORE, useValue: store },
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  describe('health', () => {
    it('should answer 200 with status ok when the broker and InfluxDB are reachable', async () => {
      const response = await request(app.getHttpServer()).get('/health');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'ok',
        mqtt: { connected: true, broker: 'embedded', url: 'mqtt://127.0.0.1:1883' },
        influx: { ok: true, version: '1.6.7' },
      });
    });

    it('should answer 503 with the degraded body when InfluxDB does not answer', async () => {
      store.ping.mockRejectedValue(new Error('connect ECONNREFUSED'));
      const response = await request(app.getHttpServer()).get('/health');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        status: 'degraded',
        mqtt: { connected: true, broker: 'embedded', url: 'mqtt://127.0.0.1:1883' },
        influx: { ok: false },
      });
    });

    it('should answer 503 when the MQTT client is disconnected', async () => {
      mqtt.connected = false;
      const response = await request(app.getHttpServer()).get('/health');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ status: 'degraded', mqtt: { connected: false } });
    });
  });
});
