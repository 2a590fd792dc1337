/**
 * Batches from a CSV (one row = one video). Columns: script, video (an asset id) — required —
 * and voice, style, formats ("9:16 16:9"), title. All or nothing: every row is checked first
 * and the answer lists each bad row; only a clean file reserves quota for all its rows at once
 * and creates the renders.
 */
import { lockUsableAssets } from '../repositories/assets-repository.js';
import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import type { RenderSpec } from '@cutline/render-job';
import type { Principal } from '../domain.js';
import type { Plan } from '../plans.js';
import { ApiError, type FieldIssue } from '../errors.js';
import { recordActivity } from '../repositories/activity-repository.js';
import { insertBatch } from '../repositories/batches-repository.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import type { ProjectsRepository } from '../repositories/projects-repository.js';
import type { UsageRepository } from '../repositories/usage-repository.js';
import { CSV_COLUMNS } from '@cutline/contract';
import { CsvError, decodeUtf8, looksLikeFormula, parseCsv } from '../lib/csv.js';
import { RenderRequestSchema, type RenderRequest } from './render-request.js';
import { assertNotSuspended, type PlanAndPeriod, type RenderSubmissions } from './render-submissions.js';

/** What applies to every render of a batch. */
export interface BatchOptions {
  projectId?: string | undefined;
  deleteAfterDownload?: boolean | undefined;
}

const REQUIRED = ['script', 'video'] as const;
export const MAX_BATCH_ROWS = 500;
const checkRequest = Compile(RenderRequestSchema);

export class BatchSubmissions {
  constructor(
    private readonly renders: RendersRepository,
    private readonly lifecycle: RenderLifecycle,
    private readonly usage: UsageRepository,
    private readonly submissions: RenderSubmissions,
    private readonly now: () => Date = () => new Date(),
    private readonly dispatcher?: { wake(): void },
    private readonly projects?: Pick<ProjectsRepository, 'assertOpen' | 'adoptUnfiled'>,
  ) {}

  async submit(
    principal: Principal,
    { organization, plan, period, overage }: PlanAndPeriod,
    name: string,
    csv: Uint8Array,
    options: BatchOptions = {},
    traceparent?: string,
  ): Promise<{ batchId: string; renderIds: string[] }> {
    assertNotSuspended(organization);
    if (!plan.batch)
      throw new ApiError(
        'CUTLINE_PLAN_LIMIT',
        `Batches (CSV) are not part of the ${plan.id} plan; upgrade to Pro to use them.`,
      );
    if (options.projectId) await this.projects?.assertOpen(principal.organizationId, options.projectId);
    const { columns, data } = readCsv(csv);
    const prepared = await this.prepareRows(principal, plan, columns, data, traceparent);
    const batchId = await this.insertAll(principal, { plan, period, overage }, name, prepared, options);
    this.dispatcher?.wake();
    if (options.projectId)
      await this.projects?.adoptUnfiled(principal.organizationId, options.projectId, [
        ...new Set(prepared.flatMap((p) => p.assetIds)),
      ]);
    this.submissions.alertUsage(principal.organizationId, period);
    return { batchId, renderIds: prepared.map((p) => p.id) };
  }

  /** Every row checked and turned into a render spec, or every problem (up to 100) at once. */
  private async prepareRows(
    principal: Principal,
    plan: Plan,
    columns: string[],
    data: string[][],
    traceparent: string | undefined,
  ): Promise<PreparedRow[]> {
    const issues: FieldIssue[] = [];
    const prepared: PreparedRow[] = [];
    for (const [index, cells] of data.entries()) {
      const rowNumber = index + 2; // as a spreadsheet numbers it, header = 1
      const record = Object.fromEntries(columns.map((c, i) => [c, (cells[i] ?? '').trim()])) as Record<string, string>;
      const request = toRequest(record);
      const rowIssues = rowProblems(rowNumber, record, cells.length, columns.length, request);
      if (rowIssues.length === 0) {
        const id = randomUUID();
        try {
          const { spec, videoAssetId, assetIds } = await this.submissions.prepare(
            principal,
            plan,
            request,
            id,
            traceparent,
          );
          prepared.push({ id, title: record.title || null, spec, videoAssetId, assetIds });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          rowIssues.push({
            field: `row ${rowNumber}: ${columnOf(err.details?.[0]?.field ?? '')}`,
            message: `${err.message} [${err.code}]`,
          });
        }
      }
      issues.push(...rowIssues);
      if (issues.length >= 100) break;
    }
    if (issues.length > 0) {
      throw new ApiError(
        'CUTLINE_VALIDATION_FAILED',
        `The CSV has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was submitted.`,
        issues,
      );
    }
    return prepared;
  }

  /** One transaction: the assets locked and checked again, the quota reserved, the batch and every render. */
  private insertAll(
    principal: Principal,
    { plan, period, overage }: Omit<PlanAndPeriod, 'organization'>,
    name: string,
    prepared: PreparedRow[],
    options: BatchOptions,
  ): Promise<string> {
    return this.renders.transaction(async (tx) => {
      // The assets were checked above; checked again here, locked until commit, so none can be
      // deleted or expired between the check and the insert (all rows, or none).
      const wanted = [...new Set(prepared.flatMap((p) => p.assetIds))];
      const usable = new Set(await lockUsableAssets(tx, principal.organizationId, wanted));
      const gone = prepared.flatMap((p, row) =>
        p.assetIds.some((id) => !usable.has(id))
          ? [{ field: `row ${row + 2}: video`, message: 'the file is no longer available' }]
          : [],
      );
      if (gone.length > 0)
        throw new ApiError(
          'CUTLINE_ASSET_NOT_READY',
          'A file the CSV names was deleted or expired meanwhile; nothing was submitted.',
          gone.slice(0, 100),
        );
      const periodId = await this.usage.reserve(
        tx,
        principal.organizationId,
        period,
        plan.rendersPerMonth,
        prepared.length,
        overage,
      );
      if (!periodId)
        throw new ApiError(
          'CUTLINE_QUOTA_EXCEEDED',
          `This batch needs ${prepared.length} renders, more than are left this month on the ${plan.id} plan.`,
        );
      const batch = await insertBatch(tx, {
        organizationId: principal.organizationId,
        name,
        rowCount: prepared.length,
        projectId: options.projectId ?? null,
      });
      for (const [row, p] of prepared.entries()) {
        await this.lifecycle.submit(tx, {
          id: p.id,
          organizationId: principal.organizationId,
          assetId: p.videoAssetId,
          createdById: principal.kind === 'user' ? principal.userId : null,
          title: p.title,
          tier: plan.id,
          priority: plan.priority,
          spec: p.spec as object,
          idempotencyKey: null,
          usagePeriodId: periodId,
          batchId: batch.id,
          batchRow: row + 1,
          projectId: options.projectId ?? null,
          deleteAfterDownload: options.deleteAfterDownload ?? false,
        });
      }
      await recordActivity(
        tx,
        principal,
        'batch.submitted',
        { type: 'batch', id: batch.id },
        { renders: prepared.length },
      );
      return batch.id;
    });
  }
}

interface PreparedRow {
  id: string;
  title: string | null;
  spec: RenderSpec;
  videoAssetId: string;
  assetIds: string[];
}

/** The rows of the CSV under a header that names known columns, the required ones included. */
function readCsv(csv: Uint8Array): { columns: string[]; data: string[][] } {
  let rows: string[][];
  try {
    rows = parseCsv(decodeUtf8(csv), MAX_BATCH_ROWS);
  } catch (err) {
    if (err instanceof CsvError)
      throw new ApiError('CUTLINE_VALIDATION_FAILED', err.message, [{ field: 'csv', message: err.message }]);
    throw err;
  }
  const [header, ...data] = rows;
  const columns = (header ?? []).map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      `The CSV header must name the columns ${CSV_COLUMNS.join(', ')} (script and video required).`,
      [
        ...missing.map((c) => ({ field: `column ${c}`, message: 'is missing' })),
        ...unknown.map((c) => ({ field: `column ${c}`, message: 'is not a known column' })),
      ],
    );
  }
  if (data.length === 0)
    throw new ApiError('CUTLINE_VALIDATION_FAILED', 'The CSV has no rows.', [{ field: 'csv', message: 'has no rows' }]);
  return { columns, data };
}

/** What is wrong with one row before it is looked at as a request: formulas, extra cells, the schema. */
function rowProblems(
  rowNumber: number,
  record: Record<string, string>,
  cellCount: number,
  columnCount: number,
  request: RenderRequest,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [column, value] of Object.entries(record)) {
    if (looksLikeFormula(value))
      issues.push({
        field: `row ${rowNumber}: ${column}`,
        message: 'starts like a spreadsheet formula (=, +, -, @); remove or quote it with a leading apostrophe',
      });
  }
  if (cellCount > columnCount)
    issues.push({ field: `row ${rowNumber}`, message: `has ${cellCount} cells for ${columnCount} columns` });
  if (issues.length === 0 && !checkRequest.Check(request)) {
    for (const e of [...checkRequest.Errors(request)].slice(0, 3))
      issues.push({ field: `row ${rowNumber}: ${columnOf(e.instancePath)}`, message: e.message });
  }
  return issues;
}

function toRequest(record: Record<string, string>): RenderRequest {
  return {
    assetId: record.video ?? '',
    script: record.script ?? '',
    ...(record.voice ? { voice: record.voice } : {}),
    ...(record.style ? { captionStyle: record.style as RenderRequest['captionStyle'] } : {}),
    ...(record.formats
      ? { formats: record.formats.split(/[\s;|]+/).filter(Boolean) as NonNullable<RenderRequest['formats']> }
      : {}),
    ...(record.fit ? { fit: record.fit as RenderRequest['fit'] } : {}),
    ...(record.title ? { title: record.title } : {}),
    ...(record.trim_start || record.trim_end
      ? {
          trim: {
            start: record.trim_start ? seconds(record.trim_start) : 0,
            ...(record.trim_end ? { end: seconds(record.trim_end) } : {}),
          },
        }
      : {}),
  };
}

/** "12.5", "0:12.5" or "1:02:03" as seconds; anything else is left for the schema to refuse. */
function seconds(cell: string): number {
  if (!/^(\d+:){0,2}\d+(\.\d+)?$/.test(cell)) return cell as unknown as number;
  return cell.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** Maps a request field back to the CSV column the user wrote. */
function columnOf(path: string): string {
  const [field = '', sub] = path.replace(/^\//, '').split(/[/.]/);
  if (field === 'trim') return sub === 'end' ? 'trim_end' : 'trim_start';
  return ({ assetId: 'video', captionStyle: 'style' } as Record<string, string>)[field] ?? (field || 'row');
}
