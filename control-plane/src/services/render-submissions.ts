/**
 * Submitting and canceling renders. Submission checks everything a render can be refused for
 * before it costs anything, then — in one SQL statement, shared with concurrent submissions
 * of any organization — reserves quota, records the render, its outbox event and the
 * activity entry. An Idempotency-Key makes retries of the same request return the first
 * render instead of creating (and charging) another.
 */
import {
  AUTO_VOICE,
  detectLanguage,
  RenderError,
  writingSystemsOf,
  type RenderSpec,
  type VoiceCatalogue,
} from '@cutline/render-job';
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../domain.js';
import { ApiError, notFound } from '../errors.js';
import type { Plan } from '../plans.js';
import { recordActivity } from '../repositories/activity-repository.js';
import { assetObjectKey, type AssetsRepository } from '../repositories/assets-repository.js';
import { estimateNarrationSeconds } from '@cutline/contract';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import { isUniqueViolation, type RenderRecord, type RendersRepository } from '../repositories/renders-repository.js';
import {
  isUsable,
  type AssetRole,
  type FoundAsset,
  type SubmissionGroup,
  type SubmissionItem,
  type SubmissionOutcome,
  type SubmissionsRepository,
} from '../repositories/submissions-repository.js';
import type { Period, UsageRepository } from '../repositories/usage-repository.js';
import type { ObjectStore } from '../storage/object-store.js';
import { Batcher } from '../lib/batcher.js';
import type { ProjectsRepository } from '../repositories/projects-repository.js';
import { buildRenderSpec } from './render-spec-builder.js';
import { checkedScript, checkTrim, type RenderRequest } from './render-request.js';

const CANCELED_BY_USER = { code: 'CUTLINE_CANCELED', message: 'Canceled by the user.' };

/** The plan that governs a submission and the usage period it counts in. */
export interface PlanAndPeriod {
  /** A suspended organization starts nothing new: no submission, no retry, no batch. */
  organization: { suspended: boolean };
  plan: Plan;
  period: Period;
  /** Renders beyond the quota are allowed and billed as usage. */
  overage: boolean;
}

export function assertNotSuspended(organization: { suspended: boolean }): void {
  if (organization.suspended)
    throw new ApiError('CUTLINE_SUSPENDED', 'This organization is suspended; contact support.');
}

/** The same request, whatever the order of its fields, gives the same fingerprint. */
export function requestFingerprint(request: RenderRequest): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

export class RenderSubmissions {
  /** Concurrent submissions, of any organizations, share one statement. */
  private readonly batcher: Batcher<SubmissionItem, SubmissionOutcome>;

  constructor(
    private readonly renders: RendersRepository,
    private readonly lifecycle: RenderLifecycle,
    submissions: SubmissionsRepository,
    private readonly assets: AssetsRepository,
    private readonly usage: UsageRepository,
    private readonly store: ObjectStore,
    private readonly catalogue: VoiceCatalogue,
    private readonly now: () => Date = () => new Date(),
    private readonly dispatcher?: { wake(): void; cancel(renderId: string): void },
    private readonly projects?: Pick<ProjectsRepository, 'assertOpen' | 'adoptUnfiled'>,
  ) {
    this.batcher = new Batcher((items) => submissions.submitMany(items));
  }

  async submit(
    principal: Principal,
    { organization, plan, period, overage }: PlanAndPeriod,
    request: RenderRequest,
    idempotencyKey: string | undefined,
    traceparent?: string,
  ): Promise<{ render: RenderRecord; created: boolean }> {
    assertNotSuspended(organization);
    const fingerprint = idempotencyKey ? requestFingerprint(request) : null;
    const earlier = async () => {
      const existing = idempotencyKey
        ? await this.renders.findByIdempotencyKey(principal.organizationId, idempotencyKey)
        : undefined;
      if (existing && existing.fingerprint !== null && existing.fingerprint !== fingerprint) {
        throw new ApiError(
          'CUTLINE_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
          [{ field: 'Idempotency-Key', message: 'was used with another body' }],
        );
      }
      return existing?.render;
    };
    const first = await earlier();
    if (first) return { render: first, created: false };
    const renderId = randomUUID();
    const { script, voice } = await this.checkRequest(plan, request);
    if (request.projectId) await this.projects?.assertOpen(principal.organizationId, request.projectId);
    // Trim points need the video's length (and only then its record, before the statement).
    if (request.trim)
      checkTrim(
        request.trim,
        (await this.assets.find(principal.organizationId, request.assetId))?.durationSeconds ?? null,
      );
    // The statement itself checks the assets (repositories/submissions-repository.ts); their keys follow from their ids.
    const assets = {
      video: request.assetId,
      logo: request.logo?.assetId ?? null,
      music: request.audio?.musicAssetId ?? null,
    };
    const keyOf = (id: string | null) => (id === null ? undefined : assetObjectKey(principal.organizationId, id));
    const spec = buildRenderSpec(
      {
        renderId,
        organizationId: principal.organizationId,
        request: { ...request, script, voice },
        videoKey: keyOf(assets.video)!,
        logoKey: keyOf(assets.logo),
        musicKey: keyOf(assets.music),
        plan,
        traceparent,
      },
      this.store,
    );
    const group: SubmissionGroup = {
      organizationId: principal.organizationId,
      period,
      rendersLimit: plan.rendersPerMonth,
      overage,
    };
    try {
      const result = await this.batcher.run({
        id: renderId,
        group,
        assets,
        createdById: principal.kind === 'user' ? principal.userId : null,
        apiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null,
        title: request.title ?? null,
        projectId: request.projectId ?? null,
        deleteAfterDownload: request.deleteAfterDownload ?? false,
        tier: plan.id,
        priority: plan.priority,
        spec: spec as object,
        idempotencyKey: idempotencyKey ?? null,
        idempotencyFingerprint: fingerprint,
        activityData: { formats: spec.formats, voice: spec.voice.id },
      });
      if (result.outcome === 'asset-unusable')
        throw assetRefusal(assets[result.role]!, result.role, ASSET_FIELDS[result.role], result.found);
      if (result.outcome === 'quota-exceeded')
        throw new ApiError(
          'CUTLINE_QUOTA_EXCEEDED',
          `The ${plan.id} plan includes ${plan.rendersPerMonth} renders a month, and they are used up.`,
        );
      this.dispatcher?.wake();
      if (request.projectId)
        await this.projects?.adoptUnfiled(
          principal.organizationId,
          request.projectId,
          [assets.video, assets.logo, assets.music].filter((id): id is string => id !== null),
        );
      // Only a submission that reaches 80 % of the quota can have crossed an alert line.
      if (plan.rendersPerMonth !== null && result.periodUsed * 5 >= plan.rendersPerMonth * 4)
        this.alertUsage(principal.organizationId, period);
      return { render: result.render, created: true };
    } catch (err) {
      // A concurrent request with the same key won the race: answer with its render.
      if (idempotencyKey && isUniqueViolation(err)) {
        const existing = await earlier();
        if (existing) return { render: existing, created: false };
      }
      throw err;
    }
  }

  /**
   * Everything a render can be refused for before it costs anything: script, voice, plan
   * length, the assets it uses. Returns the engine spec. (CSV batches; single submissions
   * leave the asset checks to their statement.)
   */
  async prepare(
    principal: Principal,
    plan: Plan,
    request: RenderRequest,
    renderId: string,
    traceparent?: string,
  ): Promise<{ spec: RenderSpec; videoAssetId: string; assetIds: string[] }> {
    const { script, voice } = await this.checkRequest(plan, request);
    const video = await this.readyAsset(principal.organizationId, request.assetId, 'video');
    checkTrim(request.trim, video.durationSeconds);
    const logo = request.logo
      ? await this.readyAsset(principal.organizationId, request.logo.assetId, 'logo')
      : undefined;
    const music = request.audio?.musicAssetId
      ? await this.readyAsset(principal.organizationId, request.audio.musicAssetId, 'music')
      : undefined;
    const spec = buildRenderSpec(
      {
        renderId,
        organizationId: principal.organizationId,
        request: { ...request, script, voice },
        videoKey: video.objectKey,
        logoKey: logo?.objectKey,
        musicKey: music?.objectKey,
        plan,
        traceparent,
      },
      this.store,
    );
    return {
      spec,
      videoAssetId: video.id,
      assetIds: [video.id, ...(logo ? [logo.id] : []), ...(music ? [music.id] : [])],
    };
  }

  /** Script, voice and narration length against the plan; returns the normalised script. */
  /** The normalised script, and the voice it is read in (`auto`: chosen by the render). */
  private async checkRequest(plan: Plan, request: RenderRequest): Promise<{ script: string; voice: string }> {
    const script = checkedScript(request.script);
    const voice = await this.checkVoice(request.voice ?? AUTO_VOICE, script, request.voice !== undefined);
    const estimate = estimateNarrationSeconds(script);
    if (plan.maxNarrationSeconds !== null && estimate > plan.maxNarrationSeconds) {
      throw new ApiError(
        'CUTLINE_PLAN_LIMIT',
        `This script takes about ${Math.round(estimate)} s to narrate; the ${plan.id} plan allows ${plan.maxNarrationSeconds} s.`,
        [{ field: 'script', message: 'is too long for the plan' }],
      );
    }
    return { script, voice };
  }

  /** A new title, or another project (null: none). */
  async label(
    principal: Principal,
    id: string,
    changes: { title?: string | undefined; projectId?: string | null | undefined },
  ): Promise<RenderRecord> {
    if (changes.projectId) await this.projects?.assertOpen(principal.organizationId, changes.projectId);
    const render = await this.renders.label(principal.organizationId, id, changes);
    if (!render) throw notFound('Render');
    await this.renders.transaction((tx) =>
      recordActivity(tx, principal, 'render.updated', { type: 'render', id }, { fields: Object.keys(changes) }),
    );
    return render;
  }

  async cancel(principal: Principal, id: string): Promise<RenderRecord> {
    const result = await this.renders.transaction(async (tx) => {
      const canceled = await this.lifecycle.cancel(id, this.now(), CANCELED_BY_USER, {
        organizationId: principal.organizationId,
        tx,
      });
      if (canceled) await recordActivity(tx, principal, 'render.canceled', { type: 'render', id });
      return canceled;
    });
    const render = await this.renders.find(principal.organizationId, id);
    if (!render) throw notFound('Render');
    if (!result) throw new ApiError('CUTLINE_NOT_CANCELABLE', `The render is already ${render.state}.`);
    this.dispatcher?.cancel(id);
    return render;
  }

  /** Runs a failed or canceled render again; it needs (and takes) a render of this month's quota. */
  async retry(
    principal: Principal,
    { organization, plan, period, overage }: PlanAndPeriod,
    id: string,
  ): Promise<RenderRecord> {
    assertNotSuspended(organization);
    const render = await this.renders.find(principal.organizationId, id);
    if (!render) throw notFound('Render');
    if (render.state !== 'failed' && render.state !== 'canceled')
      throw new ApiError(
        'CUTLINE_NOT_RETRYABLE',
        `Only failed or canceled renders can be retried; this one is ${render.state}.`,
      );
    await this.renders.transaction(async (tx) => {
      const periodId =
        render.kind === 'image'
          ? await this.usage.reserveImages(tx, principal.organizationId, period, plan.imagesPerMonth, render.units)
          : await this.usage.reserve(tx, principal.organizationId, period, plan.rendersPerMonth, 1, overage);
      if (!periodId)
        throw new ApiError(
          'CUTLINE_QUOTA_EXCEEDED',
          render.kind === 'image'
            ? `The ${plan.id} plan includes ${plan.imagesPerMonth} images a month, and fewer than ${render.units} are left.`
            : `The ${plan.id} plan includes ${plan.rendersPerMonth} renders a month, and they are used up.`,
        );
      if (!(await this.lifecycle.retry(tx, principal.organizationId, id, periodId, this.now())))
        throw new ApiError('CUTLINE_NOT_RETRYABLE', 'The render changed state meanwhile; reload it.');
      await recordActivity(tx, principal, 'render.retried', { type: 'render', id });
    });
    this.dispatcher?.wake();
    this.alertUsage(principal.organizationId, period);
    return (await this.renders.find(principal.organizationId, id))!;
  }

  /**
   * Records the 80 % / 100 % usage alerts the submission may have crossed. Off the request's
   * path: a failure here loses nothing, because the next submission evaluates them again.
   */
  alertUsage(organizationId: string, period: Period): void {
    void this.usage.recordAlerts(organizationId, period.start).catch(() => undefined);
  }

  /**
   * The voice exists, and an explicit one reads the script's writing system (a Japanese script
   * with an English voice is read as letter names): refused with a voice that can.
   */
  private async checkVoice(id: string, script: string, explicit: boolean): Promise<string> {
    // Chosen where the render runs, from the voices that machine has (a render pod's image may
    // hold other voices than the API's); the manifest records the choice.
    if (id === AUTO_VOICE) return id;
    let voice;
    try {
      ({ voice } = await this.catalogue.resolve(id));
    } catch (err) {
      if (err instanceof RenderError)
        throw new ApiError('CUTLINE_VOICE_UNKNOWN', err.message, [
          { field: 'voice', message: 'is not in the catalogue' },
        ]);
      throw err;
    }
    if (!explicit) return id;
    const detected = detectLanguage(script);
    const reads = writingSystemsOf(voice.language);
    if (detected.writingSystem === 'other' || !reads || reads.includes(detected.writingSystem)) return id;
    const suggestion = (await this.catalogue.choose(script)).voice;
    throw new ApiError(
      'CUTLINE_VOICE_LANGUAGE_MISMATCH',
      `The voice ${voice.id} reads ${voice.language}, but the script is written in ${detected.writingSystem} script (${detected.language}); use ${suggestion.id}, or "auto".`,
      [{ field: 'voice', message: `cannot read ${detected.writingSystem} script; try ${suggestion.id}` }],
    );
  }

  private async readyAsset(organizationId: string, id: string, kind: AssetRole) {
    const asset = await this.assets.find(organizationId, id);
    if (!isUsable(kind, asset ?? null)) throw assetRefusal(id, kind, ASSET_FIELDS[kind], asset ?? null);
    return asset!;
  }
}

/** The request field that names each kind of asset. */
const ASSET_FIELDS: Record<AssetRole, string> = { video: 'assetId', logo: 'logo.assetId', music: 'audio.musicAssetId' };

/** Why an asset cannot be used for a render: missing (or another kind), or not ready. */
function assetRefusal(id: string, kind: AssetRole, field: string, found: FoundAsset): ApiError {
  if (!found || found.kind !== kind)
    return new ApiError('CUTLINE_NOT_FOUND', `No ${kind} asset ${id}.`, [{ field, message: 'not found' }]);
  return new ApiError(
    'CUTLINE_ASSET_NOT_READY',
    `The ${kind} is ${found.status}${found.rejectionCode ? ` (${found.rejectionCode})` : ''}.`,
    [{ field, message: `is ${found.status}` }],
  );
}
