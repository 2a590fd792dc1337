/**
 * The plan table (DESIGN §5, seed pricing "Option 3"): one typed source for every limit.
 * Self-hosters override it from configuration (CUTLINE_PLANS, JSON, merged per plan).
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { PLAN_IDS, type PlanId } from './domain.js';
import { Nullable } from './http/schemas.js';

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
  /** Most pixels of an uploaded image (width × height). */
  maxImagePixels: number;
  /** Output images image jobs may make a month (each image × preset is one); null = unlimited. */
  imagesPerMonth: number | null;
  /** What one render pod of this tier gets in Kubernetes (DESIGN §7). */
  renderPod: RenderPodLimits;
  /**
   * Renders beyond rendersPerMonth are allowed and billed as metered usage (with Stripe
   * billing and an active subscription); otherwise the quota is a hard stop.
   */
  overage: boolean;
  /** API keys: whether the plan includes them, and requests per minute each key may make. */
  apiAccess: boolean;
  apiRequestsPerMinute: number;
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
  free: {
    id: 'free',
    priceMonthlyUsd: 0,
    rendersPerMonth: 3,
    maxNarrationSeconds: 30,
    maxResolution: 720,
    retentionDays: 1,
    batch: false,
    concurrency: 1,
    priorityClass: 'cutline-free',
    priority: 100,
    watermark: true,
    maxUploadBytes: 1 * GB,
    maxSourceSeconds: 600,
    maxImagePixels: 25_000_000,
    imagesPerMonth: 100,
    renderPod: { cpu: '1', memory: '1Gi', scratch: '4Gi', deadlineSeconds: 900 },
    overage: false,
    apiAccess: false,
    apiRequestsPerMinute: 60,
  },
  starter: {
    id: 'starter',
    priceMonthlyUsd: 9,
    rendersPerMonth: 25,
    maxNarrationSeconds: 60,
    maxResolution: 1080,
    retentionDays: 3,
    batch: false,
    concurrency: 2,
    priorityClass: 'cutline-starter',
    priority: 200,
    watermark: false,
    maxUploadBytes: 2 * GB,
    maxSourceSeconds: 1800,
    maxImagePixels: 50_000_000,
    imagesPerMonth: 1_000,
    renderPod: { cpu: '1', memory: '2Gi', scratch: '8Gi', deadlineSeconds: 1800 },
    overage: false,
    apiAccess: false,
    apiRequestsPerMinute: 120,
  },
  pro: {
    id: 'pro',
    priceMonthlyUsd: 29,
    rendersPerMonth: 100,
    maxNarrationSeconds: null,
    maxResolution: 1080,
    retentionDays: 7,
    batch: true,
    concurrency: 4,
    priorityClass: 'cutline-pro',
    priority: 300,
    watermark: false,
    maxUploadBytes: 4 * GB,
    maxSourceSeconds: 3600,
    maxImagePixels: 100_000_000,
    imagesPerMonth: 5_000,
    renderPod: { cpu: '2', memory: '4Gi', scratch: '16Gi', deadlineSeconds: 3600 },
    overage: false,
    apiAccess: true,
    apiRequestsPerMinute: 600,
  },
  business: {
    id: 'business',
    priceMonthlyUsd: 99,
    rendersPerMonth: 500,
    maxNarrationSeconds: null,
    maxResolution: 2160,
    retentionDays: 7,
    batch: true,
    concurrency: 10,
    priorityClass: 'cutline-business',
    priority: 400,
    watermark: false,
    maxUploadBytes: 8 * GB,
    maxSourceSeconds: 3 * 3600,
    maxImagePixels: 200_000_000,
    imagesPerMonth: 25_000,
    renderPod: { cpu: '4', memory: '8Gi', scratch: '32Gi', deadlineSeconds: 7200 },
    overage: false,
    apiAccess: true,
    apiRequestsPerMinute: 3000,
  },
  enterprise: {
    id: 'enterprise',
    priceMonthlyUsd: null,
    rendersPerMonth: null,
    maxNarrationSeconds: null,
    maxResolution: 2160,
    retentionDays: 30,
    batch: true,
    concurrency: 50,
    priorityClass: 'cutline-enterprise',
    priority: 500,
    watermark: false,
    maxUploadBytes: 16 * GB,
    maxSourceSeconds: 4 * 3600,
    maxImagePixels: 400_000_000,
    imagesPerMonth: null,
    renderPod: { cpu: '4', memory: '8Gi', scratch: '64Gi', deadlineSeconds: 4 * 3600 },
    overage: false,
    apiAccess: true,
    apiRequestsPerMinute: 600_000,
  },
};

export type PlanTable = Record<PlanId, Plan>;

/** An object whose every field is optional and which refuses unknown fields. */
function partialStrict<P extends Type.TProperties>(properties: P) {
  const optional = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof P]: Type.TOptional<P[K]>;
  };
  return Type.Object(optional, { additionalProperties: false });
}

const PlanOverride = partialStrict({
  priceMonthlyUsd: Nullable(Type.Number({ minimum: 0 })),
  rendersPerMonth: Nullable(Type.Integer({ minimum: 0 })),
  maxNarrationSeconds: Nullable(Type.Number({ exclusiveMinimum: 0 })),
  maxResolution: Type.Union([Type.Literal(720), Type.Literal(1080), Type.Literal(1440), Type.Literal(2160)]),
  retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
  batch: Type.Boolean(),
  concurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
  priorityClass: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 253 }),
  priority: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  watermark: Type.Boolean(),
  maxUploadBytes: Type.Integer({ minimum: 1 }),
  maxSourceSeconds: Type.Number({ exclusiveMinimum: 0 }),
  maxImagePixels: Type.Integer({ minimum: 1 }),
  imagesPerMonth: Nullable(Type.Integer({ minimum: 0 })),
  renderPod: partialStrict({
    cpu: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?m?$' }),
    memory: Type.String({ pattern: '^[0-9]+(Ki|Mi|Gi|Ti)?$' }),
    scratch: Type.String({ pattern: '^[0-9]+(Ki|Mi|Gi|Ti)?$' }),
    deadlineSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
  }),
  overage: Type.Boolean(),
  apiAccess: Type.Boolean(),
  apiRequestsPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
});
const PlanOverrides = partialStrict(
  Object.fromEntries(PLAN_IDS.map((id) => [id, PlanOverride])) as Record<PlanId, typeof PlanOverride>,
);
export type PlanOverrides = Static<typeof PlanOverrides>;
const checkOverrides = Compile(PlanOverrides);

/** Parses CUTLINE_PLANS (JSON: plan id → the fields to change); throws naming the bad field. */
export function parsePlanOverrides(json: string): PlanOverrides {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (!checkOverrides.Check(value)) {
    const first = [...checkOverrides.Errors(value)][0];
    throw new Error(`${first?.instancePath || '/'}: ${first?.message ?? 'is invalid'}`);
  }
  return value;
}

/** Merges per-plan overrides (already parsed from configuration) onto the defaults. */
export function planTable(overrides: PlanOverrides = {}): PlanTable {
  const table = structuredClone(DEFAULT_PLANS);
  for (const [id, override] of Object.entries(overrides) as Array<
    [PlanId, Partial<Omit<Plan, 'renderPod'>> & { renderPod?: Partial<RenderPodLimits> }]
  >) {
    table[id] = { ...table[id], ...override, renderPod: { ...table[id].renderPod, ...override.renderPod }, id };
  }
  return table;
}

/** The calendar month containing `now` (UTC): the usage period of plans without Stripe. */
export function calendarPeriod(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}
