/** Uploaded files (videos, logos, music) of an organization. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import { UPLOADS_PREFIX } from '../storage/object-store.js';

export type AssetKind = 'video' | 'logo' | 'music';

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
  createdAt: Date;
  expiresAt: Date | null;
}

type Row = Omit<Asset, 'sizeBytes'> & { sizeBytes: bigint | null };

function toAsset(row: Row): Asset {
  return { ...row, sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes) };
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
             video_codec AS "videoCodec", audio_codec AS "audioCodec", rejection_code AS "rejectionCode", created_at AS "createdAt", expires_at AS "expiresAt"
        FROM assets WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid AND deleted_at IS NULL`;
    return rows[0] ? toAsset(rows[0]) : undefined;
  }

  async list(
    organizationId: string,
    range: { offset: number; limit: number; order?: 'asc' | 'desc' },
  ): Promise<{ items: Asset[]; total: number }> {
    const where = { organizationId, deletedAt: null };
    const [rows, total] = await Promise.all([
      this.db.asset.findMany({
        where,
        select: SELECT,
        orderBy: { createdAt: range.order ?? 'desc' },
        skip: range.offset,
        take: range.limit,
      }),
      this.db.asset.count({ where }),
    ]);
    return { items: rows.map((r) => toAsset(r as Row)), total };
  }
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
