import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Aedes from 'aedes';
import { createServer, Server, Socket } from 'node:net';
import { AppConfig } from '../config/app-config';
import { publishDenial } from './broker-acl';

/**
 * The embedded aedes broker, started only when no external MQTT_URL is configured.
 * The backend itself always talks to the broker through an MQTT client (MqttService),
 * so an external Mosquitto/EMQX is a configuration change, not a code path.
 */
@Injectable()
export class BrokerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private broker?: Aedes;
  private server?: Server;
  private boundPort?: number;
  private readonly sockets = new Set<Socket>();
  deniedPublishes = 0;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return !this.config.MQTT_URL;
  }

  /** The URL the backend's own client uses. */
  get url(): string {
    if (this.config.MQTT_URL) return this.config.MQTT_URL;
    return `mqtt://127.0.0.1:${this.boundPort ?? this.config.MQTT_PORT}`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) {
      this.logger.log(`external broker ${this.config.MQTT_URL}: embedded broker not started`);
      return;
    }
    const broker = new Aedes({
      heartbeatInterval: 60000,
      connectTimeout: 30000,
      authorizePublish: (client, packet, callback) => {
        if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
        const denial = client ? publishDenial(client.id, packet.topic) : undefined;
        if (denial) {
          this.deniedPublishes++;
          this.logger.warn(`refused publish: ${denial}`);
          return callback(new Error(denial));
        }
        callback(null);
      },
    });
    broker.on('clientError', (client, error) => this.logger.debug(`client ${client?.id}: ${error.message}`));
    const server = createServer(broker.handle as never);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.MQTT_PORT, this.config.MQTT_HOST, () => resolve());
    });
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.config.MQTT_PORT;
    this.broker = broker;
    this.server = server;
    this.logger.log(`embedded MQTT broker listening on ${this.config.MQTT_HOST}:${this.boundPort}`);
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /**
   * Stops listening, disconnects every client and closes. Call it after the backend's own clients
   * disconnected (graceful-shutdown.ts), or they would only reconnect. Calling it twice is fine.
   */
  async close(): Promise<void> {
    const { server, broker } = this;
    this.server = undefined;
    this.broker = undefined;
    if (!server || !broker) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    // A connection still in its MQTT handshake is no aedes client yet: end it too.
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** After every module's onModuleDestroy, so our own clients have disconnected first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
