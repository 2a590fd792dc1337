/** EventBus on NATS (core publish/subscribe; NATS does the subject matching). */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { BusMessage, EventBus, Unsubscribe } from './event-bus.js';

export class NatsBus implements EventBus {
  private constructor(private readonly nc: NatsConnection) {}

  static async connect(servers: string): Promise<NatsBus> {
    return new NatsBus(await connect({ servers, name: 'cutline-control-plane', maxReconnectAttempts: -1 }));
  }

  async publish(subject: string, data: Record<string, unknown>): Promise<void> {
    this.nc.publish(subject, JSON.stringify(data));
  }

  subscribe(pattern: string, handler: (message: BusMessage) => void): Unsubscribe {
    const subscription = this.nc.subscribe(pattern, {
      callback: (err, msg) => {
        if (err) return;
        try {
          handler({ subject: msg.subject, data: msg.json<Record<string, unknown>>() });
        } catch {
          // Malformed message or failing subscriber: skip it.
        }
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Waits until everything published so far has reached the server. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async ping(): Promise<void> {
    if (this.nc.isClosed()) throw new Error('NATS connection closed');
    await this.nc.rtt();
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
