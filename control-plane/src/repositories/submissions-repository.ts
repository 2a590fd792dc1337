/**
 * The hot path of POST /v1/renders: concurrent submissions — of any organizations — recorded
 * in one statement (one round trip, atomic by itself). For each submission the statement
 * checks the assets it uses — its organization's own, of the right kind, ready, not deleted —
 * then, per organization and usage period, it reserves quota for as many of the valid ones as
 * the plan allows, in order (the periods' usage rows are locked in id order, so concurrent
 * statements never overshoot nor deadlock on them), and inserts those renders with their
 * `queued` outbox events and activity entries. Nothing is written for the others.
 * services/render-submissions.ts groups concurrent requests into it (lib/batcher.ts).
 */
import { driverAdapterOf, type Database } from '../db/client.js';
import { RENDER_TRANSITIONS } from '@cutline/contract';
import type { PlanId } from '../domain.js';
import type { AssetKind } from './assets-repository.js';

/** The parts a render's assets play (an image upload plays none). */
export type AssetRole = Exclude<AssetKind, 'image'>;
import type { RenderRecord } from './renders-repository.js';
import { movedEventsText } from './render-states-repository.js';

/**
 * What a submission counts against: its organization's usage period and the plan's limit.
 * Submissions of one organization and period share the period's usage row.
 */
export interface SubmissionGroup {
  organizationId: string;
  period: { start: Date; end: Date };
  rendersLimit: number | null;
  /** Renders beyond the limit are allowed (billed as metered overage). */
  overage: boolean;
}

export interface SubmissionItem {
  id: string;
  group: SubmissionGroup;
  /** The assets the spec names, checked by the statement. */
  assets: { video: string; logo: string | null; music: string | null };
  createdById: string | null;
  apiKeyId: string | null;
  title: string | null;
  /** Checked by the caller: one of the organization's open projects. */
  projectId: string | null;
  deleteAfterDownload: boolean;
  tier: PlanId;
  priority: number;
  spec: object;
  idempotencyKey: string | null;
  /** Of the request sent with idempotencyKey. */
  idempotencyFingerprint: string | null;
  activityData: Record<string, unknown>;
}

/** An asset as the statement found it; null when the organization has no asset with that id. */
export type FoundAsset = { kind: AssetKind; status: string; rejectionCode: string | null } | null;

export type SubmissionOutcome =
  | { outcome: 'queued'; render: RenderRecord; periodUsed: number }
  | { outcome: 'quota-exceeded' }
  | { outcome: 'asset-unusable'; role: AssetRole; found: FoundAsset };

const ROLES: AssetRole[] = ['video', 'logo', 'music'];

/** The `queued` events of the renders the submission statement inserts (its CTE `render`). */
const SUBMITTED_EVENTS = movedEventsText(
  'render',
  RENDER_TRANSITIONS.submit.to,
  `to_char(moved.queued_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
);

interface ResultRow {
  itemId: string;
  /** Set when the render was inserted. */
  queuedAt: Date | null;
  /** The assets as found, for the items not admitted (to say why). */
  video: FoundAsset;
  logo: FoundAsset;
  music: FoundAsset;
  periodUsed: number | null;
  /** Valid, but its period's usage row was inserted by a concurrent statement after this one began. */
  ungranted: boolean;
}

export function isUsable(role: AssetRole, found: FoundAsset): boolean {
  return found !== null && found.kind === role && found.status === 'ready';
}

export class SubmissionsRepository {
  constructor(private readonly db: Database) {}

  async submitMany(items: SubmissionItem[]): Promise<SubmissionOutcome[]> {
    const outcomes: Array<SubmissionOutcome | undefined> = new Array(items.length);
    let pending = items.map((_, index) => index);
    // A period's first statement inserts its row; one that races another's insert cannot see
    // that row in its snapshot, grants nothing for that period and runs those items again
    // (then it sees the row). Every other item is decided and written the first time.
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const decided = await this.submitOnce(pending.map((index) => items[index]!));
      pending.forEach((index, i) => (outcomes[index] = decided[i]));
      pending = pending.filter((index) => outcomes[index] === undefined);
    }
    if (pending.length > 0) {
      const { organizationId, period } = items[pending[0]!]!.group;
      throw new Error(
        `usage period of organization ${organizationId} from ${period.start.toISOString()} could not be locked`,
      );
    }
    return outcomes as SubmissionOutcome[];
  }

  /** One statement; undefined for the items whose period must be tried again. */
  private async submitOnce(items: SubmissionItem[]): Promise<Array<SubmissionOutcome | undefined>> {
    const rows = items.map((item, index) => ({
      ord: index + 1,
      id: item.id,
      organization_id: item.group.organizationId,
      period_start: item.group.period.start.toISOString(),
      period_end: item.group.period.end.toISOString(),
      renders_limit: item.group.rendersLimit,
      unlimited: item.group.overage || item.group.rendersLimit === null,
      video_id: item.assets.video,
      logo_id: item.assets.logo,
      music_id: item.assets.music,
      created_by_id: item.createdById,
      api_key_id: item.apiKeyId,
      title: item.title,
      project_id: item.projectId,
      delete_after_download: item.deleteAfterDownload,
      tier: item.tier,
      priority: item.priority,
      spec: item.spec,
      idempotency_key: item.idempotencyKey,
      idempotency_fingerprint: item.idempotencyFingerprint,
      activity: item.activityData,
    }));
    // Submissions of one organization and period that disagree on the plan (it changed
    // between them) are granted by the stricter reading: limited if any is, the lowest limit.
    const result = await this.query(
      JSON.stringify(rows),
      `
      WITH items AS (
        SELECT t.*,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.video_id AND a.organization_id = t.organization_id AND a.deleted_at IS NULL) AS video,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.logo_id AND a.organization_id = t.organization_id AND a.deleted_at IS NULL) AS logo,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.music_id AND a.organization_id = t.organization_id AND a.deleted_at IS NULL) AS music
          FROM jsonb_to_recordset($1::jsonb) AS t(ord int, id uuid, organization_id uuid, period_start timestamp(3), period_end timestamp(3),
               renders_limit int, unlimited boolean, video_id uuid, logo_id uuid, music_id uuid, created_by_id uuid,
               api_key_id uuid, title text, project_id uuid, delete_after_download boolean, tier "PlanId", priority int, spec jsonb, idempotency_key text, idempotency_fingerprint text, activity jsonb)
      ), valid AS (
        SELECT items.*, row_number() OVER (PARTITION BY organization_id, period_start ORDER BY ord)::int AS rank FROM items
         WHERE video->>'kind' = 'video' AND video->>'status' = 'ready'
           AND (logo_id IS NULL OR (logo->>'kind' = 'logo' AND logo->>'status' = 'ready'))
           AND (music_id IS NULL OR (music->>'kind' = 'music' AND music->>'status' = 'ready'))
      ), wanted AS (
        SELECT organization_id, period_start, max(period_end) AS period_end, bool_and(unlimited) AS unlimited,
               min(renders_limit) AS renders_limit, count(*)::int AS n
          FROM valid GROUP BY organization_id, period_start
      ), fresh AS (
        INSERT INTO usage_periods (id, organization_id, period_start, period_end, renders_limit, renders_reserved)
        SELECT gen_random_uuid(), organization_id, period_start, period_end, renders_limit,
               CASE WHEN unlimited THEN n ELSE least(n, renders_limit) END
          FROM wanted ORDER BY organization_id, period_start
        ON CONFLICT (organization_id, period_start) DO NOTHING
        RETURNING id, organization_id, period_start, 0 AS used_before, renders_reserved AS admitted
      ), locked AS (
        SELECT u.id, u.organization_id, u.period_start, u.renders_reserved + u.renders_committed AS used_before
          FROM usage_periods u JOIN wanted w ON w.organization_id = u.organization_id AND w.period_start = u.period_start
         ORDER BY u.id
           FOR UPDATE OF u
      ), granted AS (
        SELECT id, organization_id, period_start, used_before, admitted FROM fresh
        UNION ALL
        SELECT l.id, l.organization_id, l.period_start, l.used_before,
               CASE WHEN w.unlimited THEN w.n ELSE least(w.n, greatest(0, w.renders_limit - l.used_before)) END
          FROM locked l JOIN wanted w ON w.organization_id = l.organization_id AND w.period_start = l.period_start
      ), reserved AS (
        UPDATE usage_periods u SET renders_reserved = u.renders_reserved + g.admitted, renders_limit = w.renders_limit
          FROM granted g JOIN wanted w ON w.organization_id = g.organization_id AND w.period_start = g.period_start
         WHERE u.id = g.id AND g.admitted > 0
      ), admitted AS (
        SELECT valid.*, g.id AS usage_period_id, g.used_before + valid.rank AS period_used
          FROM valid JOIN granted g ON g.organization_id = valid.organization_id AND g.period_start = valid.period_start AND valid.rank <= g.admitted
      ), render AS (
        INSERT INTO renders (id, organization_id, asset_id, created_by_id, title, project_id, delete_after_download, state, tier, priority, spec, idempotency_key, idempotency_fingerprint, usage_period_id)
        SELECT id, organization_id, video_id, created_by_id, title, project_id, delete_after_download, 'queued', tier, priority, spec, idempotency_key, idempotency_fingerprint, usage_period_id FROM admitted ORDER BY ord
        RETURNING id, organization_id, queued_at
      ), announced AS (${SUBMITTED_EVENTS}), logged AS (
        INSERT INTO activity (organization_id, actor_user_id, actor_api_key_id, action, subject_type, subject_id, data)
        SELECT render.organization_id, admitted.created_by_id, admitted.api_key_id, 'render.submitted', 'render', render.id::text, admitted.activity
          FROM render JOIN admitted ON admitted.id = render.id
      )
      SELECT items.id::text AS "itemId", render.queued_at AS "queuedAt",
             CASE WHEN render.id IS NULL THEN items.video END AS video,
             CASE WHEN render.id IS NULL THEN items.logo END AS logo,
             CASE WHEN render.id IS NULL THEN items.music END AS music,
             admitted.period_used AS "periodUsed",
             (valid.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM granted g WHERE g.organization_id = valid.organization_id AND g.period_start = valid.period_start)) AS ungranted
        FROM items
        LEFT JOIN valid ON valid.id = items.id
        LEFT JOIN admitted ON admitted.id = items.id
        LEFT JOIN render ON render.id = items.id
       ORDER BY items.ord`,
    );
    return result.map((row, i) => (row.ungranted ? undefined : outcomeOf(row, items[i]!)));
  }

  /**
   * Runs the statement through Prisma's driver adapter, not $queryRaw: the client would encode
   * its one parameter, every item as JSON, in JSON again and decode it before the adapter got
   * it. At 1,000 submissions/s that cost about a sixth of the API's CPU, and the API's old
   * generation grew three to four times as fast (bench/results/control-plane.md).
   */
  private async query(items: string, sql: string): Promise<ResultRow[]> {
    const { columnNames, rows } = await (
      await driverAdapterOf(this.db)
    ).queryRaw({ sql, args: [items], argTypes: [{ scalarType: 'string', arity: 'scalar' }] });
    // The adapter answers in Prisma's wire format: rows of values, timestamps and jsonb as text.
    const asset = (value: unknown): FoundAsset => (value === null ? null : (JSON.parse(value as string) as FoundAsset));
    return rows.map((values) => {
      const row = Object.fromEntries(columnNames.map((name, i) => [name, values[i]]));
      return {
        itemId: row.itemId as string,
        queuedAt: row.queuedAt === null ? null : new Date(row.queuedAt as string),
        video: asset(row.video),
        logo: asset(row.logo),
        music: asset(row.music),
        periodUsed: row.periodUsed as number | null,
        ungranted: row.ungranted as boolean,
      };
    });
  }
}

function outcomeOf(row: ResultRow, item: SubmissionItem): SubmissionOutcome {
  if (row.queuedAt)
    return { outcome: 'queued', render: insertedRender(item, row.queuedAt), periodUsed: Number(row.periodUsed) };
  for (const role of ROLES) {
    if (item.assets[role] !== null && !isUsable(role, row[role]))
      return { outcome: 'asset-unusable', role, found: row[role] };
  }
  return { outcome: 'quota-exceeded' };
}

/**
 * The render as the statement inserted it: its values are the item's and the columns' defaults,
 * so only queued_at (the database's clock) is read back. Reading every column back cost a
 * conversion of each, here and in PostgreSQL, for values already known.
 */
function insertedRender(item: SubmissionItem, queuedAt: Date): RenderRecord {
  return {
    id: item.id,
    organizationId: item.group.organizationId,
    assetId: item.assets.video,
    projectId: item.projectId,
    batchId: null,
    title: item.title,
    kind: 'video',
    units: 1,
    state: 'queued',
    tier: item.tier,
    progress: 0,
    stage: null,
    errorCode: null,
    errorMessage: null,
    durationSeconds: null,
    idempotencyKey: item.idempotencyKey,
    queuedAt,
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
    deleteAfterDownload: item.deleteAfterDownload,
    spec: item.spec,
  };
}
