/** Uploaded files (videos, logos, music) of an organization. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ACTIVE_STATES } from '@cutline/contract';
import { UPLOADS_PREFIX } from '../storage/object-store.js';

export type AssetKind = 'video' | 'logo' | 'music' | 'image';

export interface Asset {
  id: string;
  organizationId: string;
  kind: AssetKind;
  status: 'uploading' | 'ready' | 'rejected' | 'expired';
  filename: string;
  contentType: string;
  objectKey: string;
  /** While a multipart upload is open: its id in the object store. */
  multipartUpload: string | null;
  sizeBytes: number | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  rejectionCode: string | null;
  projectId: string | null;
  tags: string[];
  uploadedById: string | null;
  createdAt: Date;
  expiresAt: Date | null;
}

type Row = Omit<Asset, 'sizeBytes' | 'tags'> & { sizeBytes: bigint | null; tags: string[] | null };

function toAsset(row: Row): Asset {
  return { ...row, sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes), tags: row.tags ?? [] };
}

const SELECT = {
  id: true,
  organizationId: true,
  kind: true,
  status: true,
  filename: true,
  contentType: true,
  objectKey: true,
  multipartUpload: true,
  sizeBytes: true,
  durationSeconds: true,
  width: true,
  height: true,
  videoCodec: true,
  audioCodec: true,
  rejectionCode: true,
  projectId: true,
  tags: true,
  uploadedById: true,
  createdAt: true,
  expiresAt: true,
} as const;

/** Where an asset's bytes live; a render's spec names them by it without reading the asset. */
export function assetObjectKey(organizationId: string, assetId: string): string {
  return `orgs/${organizationId}/assets/${assetId}`;
}

/**
 * Where a direct upload's links write. The checked file is copied from here to the asset's
 * own key, which no link can write, so nothing sent after the check changes what was checked.
 * Everything under UPLOADS_PREFIX expires in the store by itself (configureExpiry), so a body
 * sent again after completion does not stay.
 */
export function assetUploadKey(organizationId: string, assetId: string): string {
  return `${UPLOADS_PREFIX}${organizationId}/${assetId}`;
}

const UPLOAD_KEY = /^uploads\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/;

/** The still frame previews are drawn on. */
export function assetPosterKey(organizationId: string, assetId: string): string {
  return `orgs/${organizationId}/assets/${assetId}.poster.jpg`;
}

/** Every object an asset may have left in the store. */
export function assetObjectKeys(asset: { organizationId: string; id: string }): string[] {
  return [
    assetObjectKey(asset.organizationId, asset.id),
    assetUploadKey(asset.organizationId, asset.id),
    assetPosterKey(asset.organizationId, asset.id),
  ];
}

export class AssetsRepository {
  constructor(private readonly db: Database) {}

  async create(input: {
    organizationId: string;
    kind: AssetKind;
    filename: string;
    contentType: string;
    expiresAt: Date;
    projectId?: string | null | undefined;
    uploadedById?: string | null | undefined;
    tags?: string[] | undefined;
  }): Promise<Asset> {
    const id = randomUUID();
    const row = await this.db.asset.create({
      data: { id, ...input, status: 'uploading', objectKey: assetObjectKey(input.organizationId, id) },
      select: SELECT,
    });
    return toAsset(row as Row);
  }

  /** Records the open multipart upload and the size the client declared for it. */
  async attachMultipart(id: string, uploadId: string, declaredBytes: number): Promise<Asset> {
    const row = await this.db.asset.update({
      where: { id },
      data: { multipartUpload: uploadId, sizeBytes: BigInt(declaredBytes) },
      select: SELECT,
    });
    return toAsset(row as Row);
  }

  async markReady(
    id: string,
    meta: {
      sizeBytes: number;
      durationSeconds?: number | undefined;
      width?: number | undefined;
      height?: number | undefined;
      videoCodec?: string | undefined;
      audioCodec?: string | undefined;
    },
  ): Promise<Asset> {
    const row = await this.db.asset.update({
      where: { id },
      data: {
        status: 'ready',
        multipartUpload: null,
        sizeBytes: BigInt(meta.sizeBytes),
        durationSeconds: meta.durationSeconds ?? null,
        width: meta.width ?? null,
        height: meta.height ?? null,
        videoCodec: meta.videoCodec ?? null,
        audioCodec: meta.audioCodec ?? null,
      },
      select: SELECT,
    });
    return toAsset(row as Row);
  }

  /** Whether a direct-upload key still belongs to an upload waiting for its bytes. */
  async uploadOpen(key: string): Promise<boolean> {
    const match = UPLOAD_KEY.exec(key);
    if (!match) return false;
    const count = await this.db.asset.count({
      where: { id: match[2]!, organizationId: match[1]!, status: 'uploading', deletedAt: null },
    });
    return count > 0;
  }

  async markRejected(id: string, code: string): Promise<void> {
    await this.db.asset.update({
      where: { id },
      data: { status: 'rejected', rejectionCode: code, multipartUpload: null },
    });
  }

  /** An asset of this organization, or undefined (also for other organizations' ids). */
  async find(organizationId: string, id: string): Promise<Asset | undefined> {
    // Raw SQL: every render submission looks its assets up, and Prisma's query compiler costs more CPU than the query.
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT id::text AS id, organization_id::text AS "organizationId", kind::text AS kind, status::text AS status, filename, content_type AS "contentType",
             object_key AS "objectKey", multipart_upload AS "multipartUpload", size_bytes AS "sizeBytes", duration_seconds AS "durationSeconds", width, height,
             video_codec AS "videoCodec", audio_codec AS "audioCodec", rejection_code AS "rejectionCode", project_id::text AS "projectId", tags,
             uploaded_by_id::text AS "uploadedById", created_at AS "createdAt", expires_at AS "expiresAt"
        FROM assets WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND deleted_at IS NULL`;
    return rows[0] ? toAsset(rows[0]) : undefined;
  }

  async list(organizationId: string, query: AssetListQuery): Promise<{ items: Asset[]; total: number }> {
    const where: Prisma.AssetWhereInput = {
      organizationId,
      deletedAt: null,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.projectId ? { projectId: query.projectId } : {}),
      ...(query.uploadedById ? { uploadedById: query.uploadedById } : {}),
      ...(query.tag ? { tags: { has: query.tag } } : {}),
      ...(query.q ? { filename: { contains: query.q, mode: 'insensitive' } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.asset.findMany({
        where,
        select: SELECT,
        orderBy: [orderOf(query.sort ?? 'createdAt', query.order ?? 'desc'), { id: 'asc' }],
        skip: query.offset,
        take: query.limit,
      }),
      this.db.asset.count({ where }),
    ]);
    return { items: rows.map((r) => toAsset(r as Row)), total };
  }

  /** The organization's assets among `ids` (in no particular order; missing ones are left out). */
  async findMany(organizationId: string, ids: readonly string[]): Promise<Asset[]> {
    const rows = await this.db.asset.findMany({
      where: { id: { in: [...ids] }, organizationId, deletedAt: null },
      select: SELECT,
    });
    return rows.map((r) => toAsset(r as Row));
  }

  /** Ready images filed under a project, oldest first, at most `limit`. */
  async readyImagesIn(organizationId: string, projectId: string, limit: number): Promise<Asset[]> {
    const rows = await this.db.asset.findMany({
      where: { organizationId, projectId, kind: 'image', status: 'ready', deletedAt: null },
      select: SELECT,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((r) => toAsset(r as Row));
  }

  /** Files it under a project and tags (each given field replaced); undefined when not the organization's. */
  async label(
    organizationId: string,
    id: string,
    changes: { projectId?: string | null | undefined; tags?: string[] | undefined; filename?: string | undefined },
  ): Promise<Asset | undefined> {
    const { count } = await this.db.asset.updateMany({
      where: { id, organizationId, deletedAt: null },
      data: {
        ...(changes.projectId !== undefined ? { projectId: changes.projectId } : {}),
        ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
        ...(changes.filename !== undefined ? { filename: changes.filename } : {}),
      },
    });
    return count === 0 ? undefined : this.find(organizationId, id);
  }

  /**
   * Marks the asset deleted unless a render waiting or running still needs it; 'in-use' then,
   * undefined when the organization has no such asset. The caller deletes its objects.
   */
  async takeForDeletion(
    organizationId: string,
    id: string,
    now: Date,
  ): Promise<{ id: string; organizationId: string; multipartUpload: string | null } | 'in-use' | undefined> {
    const taken = await this.db.$queryRaw<
      Array<{ id: string; organizationId: string; multipartUpload: string | null }>
    >`
      UPDATE assets a SET status = 'expired', deleted_at = ${now}
       WHERE a.id = ${id}::uuid AND a.organization_id = ${organizationId}::uuid AND a.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM renders r WHERE r.asset_id = a.id AND r.state::text = ANY(${[...ACTIVE_STATES]}))
      RETURNING a.id::text AS id, a.organization_id::text AS "organizationId", a.multipart_upload AS "multipartUpload"`;
    if (taken[0]) return taken[0];
    return (await this.find(organizationId, id)) ? 'in-use' : undefined;
  }

  /** The organization's tags, most used first (for the library's tag filter). */
  async tags(organizationId: string): Promise<Array<{ tag: string; count: number }>> {
    return this.db.$queryRaw`
      SELECT tag, count(*)::int AS count FROM assets, unnest(tags) AS tag
       WHERE organization_id = ${organizationId}::uuid AND deleted_at IS NULL
       GROUP BY tag ORDER BY count DESC, tag LIMIT 200`;
  }
}

/** Files not yet probed (no size, no duration) sort last either way. */
function orderOf(
  field: NonNullable<AssetListQuery['sort']>,
  sort: 'asc' | 'desc',
): Prisma.AssetOrderByWithRelationInput {
  return field === 'createdAt' || field === 'filename' ? { [field]: sort } : { [field]: { sort, nulls: 'last' } };
}

export interface AssetListQuery {
  offset: number;
  limit: number;
  sort?: 'createdAt' | 'filename' | 'sizeBytes' | 'durationSeconds' | 'expiresAt' | undefined;
  order?: 'asc' | 'desc' | undefined;
  kind?: AssetKind | undefined;
  status?: Asset['status'] | undefined;
  projectId?: string | undefined;
  uploadedById?: string | undefined;
  tag?: string | undefined;
  q?: string | undefined;
}

/**
 * Of these assets, the ones that are ready and not deleted, each locked (FOR SHARE) until the
 * transaction ends: the sweeper's deletion waits, and then sees the renders that use them.
 */
export async function lockUsableAssets(
  tx: Prisma.TransactionClient,
  organizationId: string,
  ids: string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM assets
     WHERE id = ANY(${ids}::uuid[]) AND organization_id = ${organizationId}::uuid AND status = 'ready' AND deleted_at IS NULL
     ORDER BY id FOR SHARE`;
  return rows.map((r) => r.id);
}
