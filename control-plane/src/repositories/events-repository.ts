/** Past state events, from the outbox, for SSE clients that reconnect with Last-Event-ID. */
import type { RenderStateEvent } from '@cutline/contract';
import { stateSubject } from '@cutline/render-job';
import type { Database } from '../db/client.js';

export interface StoredEvent {
  id: number;
  subject: string;
  payload: RenderStateEvent;
}

export class EventsRepository {
  constructor(private readonly db: Database) {}

  async since(organizationId: string, afterId: number, renderId?: string): Promise<StoredEvent[]> {
    const rows = renderId
      ? await this.db.$queryRaw<Array<{ id: bigint; subject: string; payload: RenderStateEvent }>>`
          SELECT id, subject, payload FROM outbox_events
           WHERE id > ${afterId} AND subject = ${stateSubject(renderId)} AND payload->>'organizationId' = ${organizationId}
           ORDER BY id LIMIT 1000`
      : await this.db.$queryRaw<Array<{ id: bigint; subject: string; payload: RenderStateEvent }>>`
          SELECT id, subject, payload FROM outbox_events
           WHERE id > ${afterId} AND payload->>'organizationId' = ${organizationId}
           ORDER BY id LIMIT 1000`;
    return rows.map((r) => ({ id: Number(r.id), subject: r.subject, payload: r.payload }));
  }
}
