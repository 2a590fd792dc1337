/**
 * GET /v1/usage: every limit of the plan that governs the organization now, with what is used
 * and what remains where a limit is a count, plus rendered seconds and storage held.
 */
import type { UsageRepository } from '../repositories/usage-repository.js';
import type { OrganizationPlans } from './organization-plan.js';

export interface UsageSummary {
  plan: string;
  period: { start: string; end: string };
  renders: {
    limit: number | null;
    used: number;
    reserved: number;
    committed: number;
    remaining: number | null;
    overage: boolean;
  };
  /** Output images of image jobs, on their own monthly allowance. */
  images: { limit: number | null; used: number; reserved: number; committed: number; remaining: number | null };
  renderedSeconds: number;
  concurrency: { limit: number; running: number };
  storage: { bytes: number; files: number; nextExpiry: string | null; retentionDays: number };
  limits: {
    maxNarrationSeconds: number | null;
    maxResolution: number;
    batch: boolean;
    watermark: boolean;
    priorityClass: string;
    maxUploadBytes: number;
    maxSourceSeconds: number;
    maxImagePixels: number;
    apiAccess: boolean;
    apiRequestsPerMinute: number;
  };
}

export async function usageSummary(
  usage: UsageRepository,
  organizationPlans: OrganizationPlans,
  organizationId: string,
): Promise<UsageSummary> {
  const { plan, period } = await organizationPlans.resolve(organizationId);
  const [snapshot, held, running] = await Promise.all([
    usage.snapshot(organizationId, period),
    usage.held(organizationId),
    usage.inFlight(organizationId),
  ]);
  const used = snapshot.reserved + snapshot.committed;
  const limit = plan.rendersPerMonth;
  const images = snapshot.images.reserved + snapshot.images.committed;
  return {
    plan: plan.id,
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    renders: {
      limit,
      used,
      reserved: snapshot.reserved,
      committed: snapshot.committed,
      remaining: limit === null ? null : Math.max(0, limit - used),
      overage: plan.overage,
    },
    images: {
      limit: plan.imagesPerMonth,
      used: images,
      reserved: snapshot.images.reserved,
      committed: snapshot.images.committed,
      remaining: plan.imagesPerMonth === null ? null : Math.max(0, plan.imagesPerMonth - images),
    },
    renderedSeconds: Math.round(snapshot.renderedSeconds * 10) / 10,
    concurrency: { limit: plan.concurrency, running },
    storage: {
      bytes: held.bytes,
      files: held.files,
      nextExpiry: held.nextExpiry?.toISOString() ?? null,
      retentionDays: plan.retentionDays,
    },
    limits: {
      maxNarrationSeconds: plan.maxNarrationSeconds,
      maxResolution: plan.maxResolution,
      batch: plan.batch,
      watermark: plan.watermark,
      priorityClass: plan.priorityClass,
      maxUploadBytes: plan.maxUploadBytes,
      maxSourceSeconds: plan.maxSourceSeconds,
      maxImagePixels: plan.maxImagePixels,
      apiAccess: plan.apiAccess,
      apiRequestsPerMinute: plan.apiRequestsPerMinute,
    },
  };
}
