/**
 * The hot path of POST /v1/renders: submissions of one organization recorded in one
 * statement (one round trip, atomic by itself). For each submission the statement checks the
 * assets it uses — the organization's own, of the right kind, ready, not deleted — then it
 * reserves quota for as many of the valid ones as the plan allows, in order (the period's
 * usage row is locked, so concurrent statements never overshoot), and inserts those renders
 * with their `queued` outbox events and activity entries. Nothing is written for the others.
 * services/render-submissions.ts groups concurrent requests into it (services/batcher.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { PlanId } from '../domain.js';
import type { AssetKind } from './assets-repository.js';
import { stateSubject, type RenderRecord } from './renders-repository.js';

/** What the submissions of one statement share: the organization, its usage period and plan limit. */
export interface SubmissionGroup {
  organizationId: string;
  period: { start: Date; end: Date };
  rendersLimit: number | null;
  /** Renders beyond the limit are allowed (billed as metered overage). */
  overage: boolean;
}

export interface SubmissionItem {
  id: string;
  /** The assets the spec names, checked by the statement. */
  assets: { video: string; logo: string | null; music: string | null };
  createdById: string | null;
  apiKeyId: string | null;
  title: string | null;
  tier: PlanId;
  priority: number;
  spec: object;
  idempotencyKey: string | null;
  activityData: Record<string, unknown>;
}

/** An asset as the statement found it; null when the organization has no asset with that id. */
export type FoundAsset = { kind: AssetKind; status: string; rejectionCode: string | null } | null;

export type SubmissionOutcome =
  | { outcome: 'queued'; render: RenderRecord; periodUsed: number }
  | { outcome: 'quota-exceeded' }
  | { outcome: 'asset-unusable'; role: AssetKind; found: FoundAsset };

const ROLES: AssetKind[] = ['video', 'logo', 'music'];
/** Result columns about the statement itself rather than the render. */
const STATEMENT_COLUMNS = new Set(['itemId', 'video', 'logo', 'music', 'periodUsed', 'grantedRows', 'validItems']);

interface ResultRow extends Partial<RenderRecord> {
  itemId: string;
  video: FoundAsset;
  logo: FoundAsset;
  music: FoundAsset;
  periodUsed: number | null;
  grantedRows: number;
  validItems: number;
}

export function isUsable(role: AssetKind, found: FoundAsset): boolean {
  return found !== null && found.kind === role && found.status === 'ready';
}

export class SubmissionsRepository {
  constructor(private readonly db: Database) {}

  async submitMany(group: SubmissionGroup, items: SubmissionItem[]): Promise<SubmissionOutcome[]> {
    // The period's first statement inserts its row; one that races another's insert cannot
    // see that row in its snapshot, grants nothing and is run again (it then sees the row).
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcomes = await this.submitManyOnce(group, items);
      if (outcomes) return outcomes;
    }
    throw new Error(`usage period of organization ${group.organizationId} from ${group.period.start.toISOString()} could not be locked`);
  }

  private async submitManyOnce(group: SubmissionGroup, items: SubmissionItem[]): Promise<SubmissionOutcome[] | undefined> {
    const unlimited = group.overage || group.rendersLimit === null;
    const rows = items.map((item, index) => ({
      ord: index + 1,
      id: item.id,
      subject: stateSubject(item.id),
      video_id: item.assets.video,
      logo_id: item.assets.logo,
      music_id: item.assets.music,
      created_by_id: item.createdById,
      api_key_id: item.apiKeyId,
      title: item.title,
      tier: item.tier,
      priority: item.priority,
      spec: item.spec,
      idempotency_key: item.idempotencyKey,
      activity: item.activityData,
    }));
    const org = group.organizationId;
    const result = await this.db.$queryRaw<ResultRow[]>`
      WITH items AS (
        SELECT t.*,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.video_id AND a.organization_id = ${org}::uuid AND a.deleted_at IS NULL) AS video,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.logo_id AND a.organization_id = ${org}::uuid AND a.deleted_at IS NULL) AS logo,
               (SELECT jsonb_build_object('kind', a.kind, 'status', a.status, 'rejectionCode', a.rejection_code) FROM assets a
                 WHERE a.id = t.music_id AND a.organization_id = ${org}::uuid AND a.deleted_at IS NULL) AS music
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS t(ord int, id uuid, subject text, video_id uuid, logo_id uuid, music_id uuid, created_by_id uuid,
               api_key_id uuid, title text, tier "PlanId", priority int, spec jsonb, idempotency_key text, activity jsonb)
      ), valid AS (
        SELECT items.*, row_number() OVER (ORDER BY ord)::int AS rank FROM items
         WHERE video->>'kind' = 'video' AND video->>'status' = 'ready'
           AND (logo_id IS NULL OR (logo->>'kind' = 'logo' AND logo->>'status' = 'ready'))
           AND (music_id IS NULL OR (music->>'kind' = 'music' AND music->>'status' = 'ready'))
      ), wanted AS (
        SELECT count(*)::int AS n FROM valid
      ), fresh AS (
        INSERT INTO usage_periods (id, organization_id, period_start, period_end, renders_limit, renders_reserved)
        SELECT ${randomUUID()}::uuid, ${org}::uuid, ${group.period.start}, ${group.period.end}, ${group.rendersLimit}::int,
               CASE WHEN ${unlimited} THEN n ELSE least(n, ${group.rendersLimit}::int) END
          FROM wanted WHERE n > 0
        ON CONFLICT (organization_id, period_start) DO NOTHING
        RETURNING id, 0 AS used_before, renders_reserved AS admitted
      ), locked AS (
        SELECT id, renders_reserved + renders_committed AS used_before FROM usage_periods
         WHERE organization_id = ${org}::uuid AND period_start = ${group.period.start} AND (SELECT n FROM wanted) > 0
           FOR UPDATE
      ), granted AS (
        SELECT id, used_before, admitted FROM fresh
        UNION ALL
        SELECT locked.id, used_before, CASE WHEN ${unlimited} THEN n ELSE least(n, greatest(0, ${group.rendersLimit}::int - used_before)) END FROM locked, wanted
      ), reserved AS (
        UPDATE usage_periods u SET renders_reserved = u.renders_reserved + g.admitted, renders_limit = ${group.rendersLimit}::int
          FROM granted g WHERE u.id = g.id AND g.admitted > 0
      ), admitted AS (
        SELECT valid.*, g.id AS usage_period_id, g.used_before + valid.rank AS period_used
          FROM valid JOIN granted g ON valid.rank <= g.admitted
      ), render AS (
        INSERT INTO renders (id, organization_id, asset_id, created_by_id, title, state, tier, priority, spec, idempotency_key, usage_period_id)
        SELECT id, ${org}::uuid, video_id, created_by_id, title, 'queued', tier, priority, spec, idempotency_key, usage_period_id FROM admitted ORDER BY ord
        RETURNING *
      ), announced AS (
        INSERT INTO outbox_events (subject, payload)
        SELECT admitted.subject, jsonb_build_object('type', 'state', 'renderId', render.id::text, 'organizationId', render.organization_id::text,
               'state', 'queued', 'at', to_char(render.queued_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          FROM render JOIN admitted ON admitted.id = render.id
      ), logged AS (
        INSERT INTO activity (organization_id, actor_user_id, actor_api_key_id, action, subject_type, subject_id, data)
        SELECT render.organization_id, admitted.created_by_id, admitted.api_key_id, 'render.submitted', 'render', render.id::text, admitted.activity
          FROM render JOIN admitted ON admitted.id = render.id
      )
      SELECT items.id::text AS "itemId", items.video, items.logo, items.music,
             render.id::text AS id, render.organization_id::text AS "organizationId", render.asset_id::text AS "assetId", render.title, render.state::text AS state,
             render.tier::text AS tier, render.progress, render.stage, render.error_code AS "errorCode", render.error_message AS "errorMessage",
             render.duration_seconds AS "durationSeconds", render.idempotency_key AS "idempotencyKey", render.queued_at AS "queuedAt",
             render.started_at AS "startedAt", render.finished_at AS "finishedAt", render.expires_at AS "expiresAt", render.spec,
             admitted.period_used AS "periodUsed", (SELECT count(*)::int FROM granted) AS "grantedRows", (SELECT n FROM wanted) AS "validItems"
        FROM items
        LEFT JOIN admitted ON admitted.id = items.id
        LEFT JOIN render ON render.id = items.id
       ORDER BY items.ord`;
    if (result[0]!.validItems > 0 && result[0]!.grantedRows === 0) return undefined;
    return result.map((row, i) => outcomeOf(row, items[i]!));
  }
}

function outcomeOf(row: ResultRow, item: SubmissionItem): SubmissionOutcome {
  if (row.id) {
    const render = Object.fromEntries(Object.entries(row).filter(([column]) => !STATEMENT_COLUMNS.has(column))) as unknown as RenderRecord;
    return { outcome: 'queued', render, periodUsed: Number(row.periodUsed) };
  }
  for (const role of ROLES) {
    if (item.assets[role] !== null && !isUsable(role, row[role])) return { outcome: 'asset-unusable', role, found: row[role] };
  }
  return { outcome: 'quota-exceeded' };
}
