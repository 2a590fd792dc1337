/**
 * Sends render events to the control plane over HTTP, authenticated by a token that is valid
 * for this one render only: a render in a cluster holds no bus credentials, and whatever it
 * sends is published by the control plane under the render's own subject and organization.
 * Progress is sent without waiting (a newer one follows); a state is retried a few times.
 */
import type { EventSink, RenderEvent } from './events.js';

export class HttpEventSink implements EventSink {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async emit(event: RenderEvent): Promise<void> {
    if (event.type === 'progress') {
      const sent = this.post(event).catch(() => undefined);
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
      return;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await this.post(event);
        return;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async post(event: RenderEvent): Promise<void> {
    const response = await this.fetchImpl(
      `${this.url.replace(/\/$/, '')}/v1/internal/renders/${encodeURIComponent(event.renderId)}/events`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(event),
        redirect: 'error',
        signal: AbortSignal.timeout(10_000),
      },
    );
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the control plane answered ${response.status} to an event`);
  }
}
