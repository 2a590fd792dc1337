/** Files a render produced. */
import type { Database } from '../db/client.js';
import type { RenderOutput as RenderOutputRow } from '../generated/prisma/client.js';

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

export interface DownloadableOutput extends RenderOutputRecord {
  renderId: string;
  organizationId: string;
  title: string | null;
  deleteAfterDownload: boolean;
}

export interface BatchFile extends RenderOutputRecord {
  renderId: string;
  organizationId: string;
  batchRow: number | null;
  title: string | null;
  deleteAfterDownload: boolean;
}

export class OutputsRepository {
  constructor(private readonly db: Database) {}

  /** Whether the organization has this batch (other organizations' ids look missing). */
  async batchExists(organizationId: string, batchId: string): Promise<boolean> {
    return (await this.db.batch.count({ where: { id: batchId, organizationId } })) === 1;
  }

  /** Live video outputs of every render of a batch, in row order. */
  async forBatch(organizationId: string, batchId: string): Promise<BatchFile[]> {
    const rows = await this.db.renderOutput.findMany({
      where: { kind: { in: ['video', 'image'] }, deletedAt: null, render: { organizationId, batchId } },
      include: { render: { select: { batchRow: true, title: true, deleteAfterDownload: true } } },
      orderBy: [{ render: { batchRow: 'asc' } }, { name: 'asc' }],
    });
    return rows.map((r) => ({
      ...outputRecord(r),
      renderId: r.renderId,
      batchRow: r.render.batchRow,
      title: r.render.title,
      organizationId,
      deleteAfterDownload: r.render.deleteAfterDownload,
    }));
  }

  /** Live outputs past their expiry (for the sweeper), up to `limit`. */
  async expired(now: Date, limit: number): Promise<Array<{ id: string; objectKey: string }>> {
    return this.db.renderOutput.findMany({
      where: { deletedAt: null, expiresAt: { lte: now } },
      take: limit,
      select: { id: true, objectKey: true },
    });
  }

  /** Marks outputs deleted (their objects are already gone). */
  async markDeleted(ids: string[], now: Date): Promise<void> {
    await this.db.renderOutput.updateMany({ where: { id: { in: ids } }, data: { deletedAt: now } });
  }

  /** A live output with what a download needs to know of its render; undefined once deleted. */
  async downloadable(id: string): Promise<DownloadableOutput | undefined> {
    const row = await this.db.renderOutput.findFirst({
      where: { id, deletedAt: null },
      include: { render: { select: { organizationId: true, title: true, deleteAfterDownload: true } } },
    });
    if (!row) return undefined;
    return {
      ...outputRecord(row),
      renderId: row.renderId,
      organizationId: row.render.organizationId,
      title: row.render.title,
      deleteAfterDownload: row.render.deleteAfterDownload,
    };
  }

  /** Records the first complete download of each output. */
  async markDownloaded(id: string, now: Date): Promise<void> {
    await this.db.renderOutput.updateMany({ where: { id, downloadedAt: null }, data: { downloadedAt: now } });
  }

  /** Live outputs of a render of this organization (none for other organizations' renders). */
  async forRender(organizationId: string, renderId: string): Promise<RenderOutputRecord[]> {
    const rows = await this.db.renderOutput.findMany({
      where: { renderId, deletedAt: null, render: { organizationId } },
      orderBy: [{ kind: 'asc' }, { name: 'asc' }],
    });
    return rows.map(outputRecord);
  }
}

function outputRecord(r: RenderOutputRow): RenderOutputRecord {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    aspect: r.aspect,
    objectKey: r.objectKey,
    bytes: Number(r.bytes),
    width: r.width,
    height: r.height,
    expiresAt: r.expiresAt,
  };
}
