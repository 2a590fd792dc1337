/**
 * Adds fixed fields to every event (in Kubernetes, the render's organization, which the
 * control plane's live streams filter on).
 */
import type { EventSink, RenderEvent } from './events.js';

export class LabelledSink implements EventSink {
  constructor(
    private readonly inner: EventSink,
    private readonly labels: Record<string, string>,
  ) {}

  emit(event: RenderEvent): void | Promise<void> {
    return this.inner.emit({ ...this.labels, ...event });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
