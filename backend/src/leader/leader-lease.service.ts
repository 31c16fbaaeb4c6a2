import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { BrokerService } from '../broker/broker.service';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { backendConnectOptions } from '../mqtt/mqtt-connect-options';
import { LeaseElection } from './lease-election';

/**
 * Runs the LeaseElection on the retained topic dinmeter/backend/automation/lease. The backend's one
 * MQTT connection besides MqttService (same options: mqtt-connect-options.ts), because the last will
 * (the release of the lease when this process dies) belongs to a connection. Only the leader plans,
 * pushes plans, enforces guards and fetches prices.
 */
@Injectable()
export class LeaderLeaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaderLeaseService.name);
  private readonly election: LeaseElection;
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private leader = false;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly broker: BrokerService,
    @Inject(MQTT_BUS) bus: MqttBus,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly counters: Counters,
  ) {
    this.election = new LeaseElection(bus.clientId, config.LEASE_TTL_S * 1000);
  }

  get instanceId(): string {
    return this.election.self;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  isLeader(): boolean {
    return this.client?.connected === true && this.election.isLeader(this.now());
  }

  /** The instance that runs the automation now, as far as this one knows. */
  holder(): string | undefined {
    return this.election.holder(this.now());
  }

  onApplicationBootstrap(): void {
    const topic = topics.automationLease();
    const client = mqtt.connect(
      this.broker.url,
      backendConnectOptions(this.broker.login, `${this.election.self}-lease`, {
        keepalive: Math.max(5, Math.floor(this.config.LEASE_TTL_S / 3)),
        will: { topic, payload: Buffer.from(JSON.stringify(this.election.release(this.now()))), qos: 1, retain: true },
      }),
    );
    this.client = client;
    client.on('message', (_topic, payload) => {
      if (!this.election.observePayload(payload.toString('utf8'), this.now())) {
        this.counters.inc('automation_lease_invalid');
        return;
      }
      this.evaluate();
    });
    client.on('error', (error) => this.logger.warn(`lease connection: ${error.message}`));
    client.on('close', () => this.evaluate());
    client.subscribe(topic, { qos: 1 });
    this.timer = setInterval(() => this.tick(), Math.min(1000, (this.config.LEASE_TTL_S * 1000) / 6));
    this.timer.unref();
  }

  /** Releases the lease (when held) and disconnects. Before the embedded broker closes (graceful-shutdown.ts). */
  close(): Promise<void> {
    return this.onApplicationShutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected && this.election.isLeader(this.now())) {
      // Give the lease up at once instead of making the others wait for it to expire. Unsubscribed
      // first: the broker would echo the release to us, and its PUBACK would be written after end.
      const release = JSON.stringify(this.election.release(this.now()));
      await client.unsubscribeAsync(topics.automationLease()).catch(() => undefined);
      await client.publishAsync(topics.automationLease(), release, { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync(false).catch(() => undefined);
    this.evaluate();
  }

  private tick(): void {
    const client = this.client;
    if (client?.connected) {
      const sentAt = this.now();
      const action = this.election.tick(sentAt);
      if (action) {
        client.publishAsync(topics.automationLease(), JSON.stringify(action.message), { qos: 1, retain: true }).then(
          () => {
            this.election.published(sentAt);
            this.evaluate();
          },
          (error: Error) => this.logger.warn(`lease ${action.kind} failed: ${error.message}`),
        );
      }
    }
    this.evaluate();
  }

  private evaluate(): void {
    const leader = this.isLeader();
    if (leader === this.leader) return;
    this.leader = leader;
    this.counters.inc(leader ? 'automation_leader_acquired' : 'automation_leader_lost');
    this.logger.log(leader ? `${this.instanceId} now runs the automation` : `${this.instanceId} no longer runs the automation`);
    for (const listener of this.listeners) listener(leader);
  }
}
