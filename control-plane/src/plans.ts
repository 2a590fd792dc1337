/**
 * The plan table (DESIGN §5, seed pricing "Option 3"): one typed source for every limit.
 * Self-hosters override it from configuration (CUTLINE_PLANS, JSON, merged per plan).
 */
import type { PlanId } from './domain.js';

export interface Plan {
  id: PlanId;
  priceMonthlyUsd: number | null;
  /** null = unlimited. */
  rendersPerMonth: number | null;
  /** Longest narration, seconds; null = unlimited. */
  maxNarrationSeconds: number | null;
  /** Short-side cap of outputs, pixels. */
  maxResolution: 720 | 1080 | 1440 | 2160;
  retentionDays: number;
  batch: boolean;
  concurrency: number;
  priorityClass: string;
  /** Dispatch priority: higher runs first. */
  priority: number;
  watermark: boolean;
  /** Largest upload, bytes. */
  maxUploadBytes: number;
  /** Longest source video, seconds. */
  maxSourceSeconds: number;
  /** What one render pod of this tier gets in Kubernetes (DESIGN §7). */
  renderPod: RenderPodLimits;
}

export interface RenderPodLimits {
  /** CPU request and limit, a Kubernetes quantity ("1", "500m"). */
  cpu: string;
  /** Memory request and limit ("2Gi"). */
  memory: string;
  /** Size limit of the emptyDir scratch volume ("10Gi"). */
  scratch: string;
  /** The Job's activeDeadlineSeconds: wall-clock limit for all attempts. */
  deadlineSeconds: number;
}

const GB = 1024 ** 3;

export const DEFAULT_PLANS: Record<PlanId, Plan> = {
  free: { id: 'free', priceMonthlyUsd: 0, rendersPerMonth: 3, maxNarrationSeconds: 30, maxResolution: 720, retentionDays: 1, batch: false, concurrency: 1, priorityClass: 'cutline-free', priority: 100, watermark: true, maxUploadBytes: 1 * GB, maxSourceSeconds: 600, renderPod: { cpu: '1', memory: '1Gi', scratch: '4Gi', deadlineSeconds: 900 } },
  starter: { id: 'starter', priceMonthlyUsd: 9, rendersPerMonth: 25, maxNarrationSeconds: 60, maxResolution: 1080, retentionDays: 3, batch: false, concurrency: 2, priorityClass: 'cutline-starter', priority: 200, watermark: false, maxUploadBytes: 2 * GB, maxSourceSeconds: 1800, renderPod: { cpu: '1', memory: '2Gi', scratch: '8Gi', deadlineSeconds: 1800 } },
  pro: { id: 'pro', priceMonthlyUsd: 29, rendersPerMonth: 100, maxNarrationSeconds: null, maxResolution: 1080, retentionDays: 7, batch: true, concurrency: 4, priorityClass: 'cutline-pro', priority: 300, watermark: false, maxUploadBytes: 4 * GB, maxSourceSeconds: 3600, renderPod: { cpu: '2', memory: '4Gi', scratch: '16Gi', deadlineSeconds: 3600 } },
  business: { id: 'business', priceMonthlyUsd: 99, rendersPerMonth: 500, maxNarrationSeconds: null, maxResolution: 2160, retentionDays: 7, batch: true, concurrency: 10, priorityClass: 'cutline-business', priority: 400, watermark: false, maxUploadBytes: 8 * GB, maxSourceSeconds: 3 * 3600, renderPod: { cpu: '4', memory: '8Gi', scratch: '32Gi', deadlineSeconds: 7200 } },
  enterprise: { id: 'enterprise', priceMonthlyUsd: null, rendersPerMonth: null, maxNarrationSeconds: null, maxResolution: 2160, retentionDays: 30, batch: true, concurrency: 50, priorityClass: 'cutline-enterprise', priority: 500, watermark: false, maxUploadBytes: 16 * GB, maxSourceSeconds: 4 * 3600, renderPod: { cpu: '4', memory: '8Gi', scratch: '64Gi', deadlineSeconds: 4 * 3600 } },
};

export type PlanTable = Record<PlanId, Plan>;

/** Merges per-plan overrides (already parsed from configuration) onto the defaults. */
export function planTable(overrides: Partial<Record<PlanId, Partial<Omit<Plan, 'id'>>>> = {}): PlanTable {
  const table = structuredClone(DEFAULT_PLANS);
  for (const [id, override] of Object.entries(overrides) as Array<[PlanId, Partial<Plan>]>) {
    table[id] = { ...table[id], ...override, id };
  }
  return table;
}

/** The calendar month containing `now` (UTC): the usage period of plans without Stripe. */
export function calendarPeriod(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}
