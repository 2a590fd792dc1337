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
      await this.js.publish(subject, payload, { msgID: `${event.renderId}:${event.state}`, timeout: 2_000 });
    } catch {
      // No stream captures this subject (no responders / JetStream not enabled) or JetStream did
      // not answer: a plain publish still reaches live subscribers, and the control plane keeps
      // the durable record of state itself. A report must never fail the render.
      try {
        this.nc.publish(subject, payload);
        await this.nc.flush();
      } catch {
        // The connection is gone; the exit code and the manifest still tell the outcome.
      }
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
