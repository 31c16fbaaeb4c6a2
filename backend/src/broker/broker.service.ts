import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Aedes, { Client } from 'aedes';
import { createServer, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { AppConfig } from '../config/app-config';
import { CredentialsService } from '../security/credentials/credentials.service';
import { BrokerIdentity, clientIdDenial, publishDenial, subscribeDenial } from './broker-acl';
import { unqueuedEmitter } from './broker-emitter';
import { brokerTlsFiles } from './broker-tls';
import { RefusalLog } from './refusal-log';
import { indexRetained, RetainedStore } from './retained-index';

/** MQTT CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;

/** Username and password the backend's own MQTT clients log in with. */
export interface MqttLogin {
  username?: string;
  password?: string;
}

/**
 * The embedded aedes broker, started only when no external MQTT_URL is configured.
 * The backend itself always talks to the broker through an MQTT client (MqttService),
 * so an external Mosquitto/EMQX is a configuration change, not a code path.
 * Every connection authenticates against the credentials registry; the ACL (broker-acl.ts) is keyed
 * on that identity, and a revoked or rotated identity is disconnected as soon as the file changes.
 */
@Injectable()
export class BrokerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(BrokerService.name);
  private readonly refusals = new RefusalLog((line) => this.logger.warn(line));
  private broker?: Aedes;
  private servers: Server[] = [];
  private boundPort?: number;
  private boundTlsPort?: number;
  private readonly sockets = new Set<Socket>();
  /** Who each connected client authenticated as, and the hash it proved (a rotation changes it). */
  private readonly identities = new WeakMap<Client, { identity: BrokerIdentity; hash: string }>();
  private ownLogin?: MqttLogin;
  private markStarted!: () => void;
  /** Resolves once the broker listens and the backend's own login is known: clients connect after it. */
  readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));
  deniedPublishes = 0;
  refusedConnections = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly credentials: CredentialsService,
  ) {}

  get enabled(): boolean {
    return !this.config.MQTT_URL;
  }

  /** The URL the backend's own client uses. */
  get url(): string {
    if (this.config.MQTT_URL) return this.config.MQTT_URL;
    return `mqtt://127.0.0.1:${this.boundPort ?? this.config.MQTT_PORT}`;
  }

  /**
   * The backend's login: MQTT_USERNAME/MQTT_PASSWORD on an external broker, its own registry identity
   * on the embedded one (known once `started` resolved).
   */
  get login(): MqttLogin {
    if (!this.enabled) return { username: this.config.MQTT_USERNAME, password: this.config.MQTT_PASSWORD };
    if (!this.ownLogin) throw new Error('the embedded broker has not started yet: await BrokerService.started');
    return this.ownLogin;
  }

  async onModuleInit(): Promise<void> {
    this.credentials.watch();
    if (!this.enabled) {
      this.logger.log(`external broker ${this.config.MQTT_URL}: embedded broker not started`);
      this.markStarted();
      return;
    }
    this.ownLogin = await this.credentials.registry.ensureBackend();
    this.credentials.reloadIfChanged();
    const haPrefix = this.config.HA_DISCOVERY_PREFIX;
    const broker = new Aedes({
      mq: unqueuedEmitter(), // aedes' default emitter overflows the stack on a burst (broker-emitter.ts)
      heartbeatInterval: 60000,
      connectTimeout: 30000,
      authenticate: (client, username, password, done) => {
        const refuse = (returnCode: number, why: string) => {
          this.refusedConnections++;
          this.refusals.refused(`refused connection of client ${client.id}: ${why}`);
          done(Object.assign(new Error(why), { returnCode }), false);
        };
        if (!username || !password) return refuse(NOT_AUTHORIZED, 'no username and password');
        this.credentials.verify(username, password).then(
          (entry) => {
            if (!entry) return refuse(BAD_USERNAME_OR_PASSWORD, `bad username or password (${username})`);
            const identity: BrokerIdentity = { kind: entry.kind, username: entry.username };
            const denial = clientIdDenial(identity, client.id, (id) => this.credentials.isMeter(id));
            if (denial) return refuse(IDENTIFIER_REJECTED, denial);
            this.identities.set(client, { identity, hash: entry.scrypt.hash });
            done(null, true);
          },
          (error: Error) => refuse(NOT_AUTHORIZED, `check failed: ${error.message}`),
        );
      },
      authorizePublish: (client, packet, callback) => {
        // A null client is the broker itself (a will of a client gone with another broker instance).
        const who = client ? this.identities.get(client)?.identity : undefined;
        const denial = !client ? undefined : who ? publishDenial(who, packet.topic, haPrefix) : 'not authenticated';
        if (denial) {
          this.deniedPublishes++;
          this.refusals.refused(`refused publish: ${denial}`);
          return callback(new Error(denial));
        }
        callback(null);
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const who = this.identities.get(client)?.identity;
        const denial = who ? subscribeDenial(who, subscription.topic, haPrefix) : 'not authenticated';
        if (denial) {
          this.refusals.refused(`refused subscription: ${denial}`);
          return callback(null, null); // SUBACK 0x80 for this filter; the connection stays
        }
        callback(null, subscription);
      },
    });
    // Each subscription finds its retained messages by topic level, not by a scan of them all (retained-index.ts).
    // aedes keeps its persistence (aedes-persistence's memory one) in `persistence`; its types omit it.
    indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
    broker.on('clientError', (client, error) => this.logger.debug(`client ${client?.id}: ${error.message}`));
    this.credentials.onChange(() => this.disconnectStale(broker));
    this.broker = broker;
    // Small packets (commands, acks, heartbeats) leave at once: no Nagle wait behind a delayed ACK.
    const handle = (socket: Socket) => {
      socket.setNoDelay(true);
      broker.handle(socket as never);
    };
    const plain = createServer(handle);
    this.boundPort = await this.listen(plain, this.config.MQTT_PORT);
    this.logger.log(`embedded MQTT broker listening on ${this.config.MQTT_HOST}:${this.boundPort} (login required)`);
    if (this.config.MQTTS_PORT !== undefined) {
      const tls = await brokerTlsFiles({
        certPath: this.config.MQTT_TLS_CERT,
        keyPath: this.config.MQTT_TLS_KEY,
        caPath: this.config.MQTT_TLS_CA,
        dataDir: this.config.DATA_DIR,
      });
      const secure = createTlsServer({ cert: tls.cert, key: tls.key }, handle);
      this.boundTlsPort = await this.listen(secure, this.config.MQTTS_PORT, 'secureConnection');
      const ca = tls.caPath ? `, clients verify it with ${tls.caPath}` : '';
      this.logger.log(`embedded MQTT broker listening for TLS on ${this.config.MQTT_HOST}:${this.boundTlsPort}${ca}`);
    }
    this.markStarted();
  }

  private async listen(server: Server, port: number, connectionEvent = 'connection'): Promise<number> {
    server.on(connectionEvent, (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.MQTT_HOST, () => resolve());
    });
    this.servers.push(server);
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** Closes every connection whose identity was revoked or whose password was rotated since it logged in. */
  private disconnectStale(broker: Aedes): void {
    for (const client of Object.values((broker as unknown as { clients: Record<string, Client> }).clients)) {
      const held = this.identities.get(client);
      if (!held) continue;
      if (this.credentials.identity(held.identity.username)?.scrypt.hash === held.hash) continue;
      this.logger.warn(`disconnecting ${held.identity.username} (client ${client.id}): its credential was revoked or rotated`);
      client.close(); // its last will (offline status, its own topic) still goes out
    }
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** The mqtts listener's port, when MQTTS_PORT is set. */
  get tlsPort(): number | undefined {
    return this.boundTlsPort;
  }

  /**
   * Stops listening, disconnects every client and closes. Call it after the backend's own clients
   * disconnected (graceful-shutdown.ts), or they would only reconnect. Calling it twice is fine.
   */
  async close(): Promise<void> {
    const { servers, broker } = this;
    this.servers = [];
    this.broker = undefined;
    if (!broker) return;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
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
