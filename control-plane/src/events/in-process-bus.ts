/** The embedded default's EventBus: subscribers in this process, called synchronously. */
import { subjectMatches, type BusMessage, type EventBus, type Unsubscribe } from './event-bus.js';

export class InProcessBus implements EventBus {
  private readonly subscriptions = new Set<{ pattern: string; handler: (message: BusMessage) => void }>();

  async publish(subject: string, data: Record<string, unknown>): Promise<void> {
    for (const s of [...this.subscriptions]) {
      if (subjectMatches(s.pattern, subject)) {
        try {
          s.handler({ subject, data });
        } catch {
          // A failing subscriber must not break the publisher or the others.
        }
      }
    }
  }

  subscribe(pattern: string, handler: (message: BusMessage) => void): Unsubscribe {
    const entry = { pattern, handler };
    this.subscriptions.add(entry);
    return () => this.subscriptions.delete(entry);
  }

  private closed = false;

  async ping(): Promise<void> {
    if (this.closed) throw new Error('event bus closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }
}
