/**
 * Publishes render events to NATS. Progress is a plain publish (losing one is harmless); state
 * goes through JetStream when a stream captures the subject, so it survives a control-plane
 * restart, and falls back to a plain publish where no stream is configured.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { EventSink, RenderEvent } from './events.js';
import { progressSubject, stateSubject } from './events.js';

export class NatsSink implements EventSink {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
  ) {}

  static async connect(servers: string | string[]): Promise<NatsSink> {
    const nc = await connect({ servers, name: 'cutline-render-job', maxReconnectAttempts: 10 });
    return new NatsSink(nc, jetstream(nc));
  }

  async emit(event: RenderEvent): Promise<void> {
    const payload = JSON.stringify(event);
    if (event.type === 'progress') {
      this.nc.publish(progressSubject(event.renderId), payload);
      return;
    }
    const subject = stateSubject(event.renderId);
    try {
      await this.js.publish(subject, payload, { msgID: `${event.renderId}:${event.state}`, timeout: 5_000 });
    } catch (err) {
      // No stream captures this subject (503 "no responders"): plain publish, then flush.
      if (!/no responders|503/i.test(String((err as Error).message))) throw err;
      this.nc.publish(subject, payload);
      await this.nc.flush();
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
