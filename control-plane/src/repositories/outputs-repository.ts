/** Files a render produced. */
import type { Database } from '../db/client.js';

export interface RenderOutputRecord {
  id: string;
  kind: string;
  name: string;
  aspect: string | null;
  objectKey: string;
  bytes: number;
  width: number | null;
  height: number | null;
  expiresAt: Date | null;
}

export class OutputsRepository {
  constructor(private readonly db: Database) {}

  /** Live outputs of a render of this organization (none for other organizations' renders). */
  async forRender(organizationId: string, renderId: string): Promise<RenderOutputRecord[]> {
    const rows = await this.db.renderOutput.findMany({
      where: { renderId, deletedAt: null, render: { organizationId } },
      orderBy: [{ kind: 'asc' }, { name: 'asc' }],
    });
    return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, aspect: r.aspect, objectKey: r.objectKey, bytes: Number(r.bytes), width: r.width, height: r.height, expiresAt: r.expiresAt }));
  }
}
