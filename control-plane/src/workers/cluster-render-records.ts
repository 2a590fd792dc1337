/**
 * What the operator writes to a render's record when its RenderJob changes phase (DESIGN §4):
 * running, requeued (a preempted or evicted pod — back to waiting, not charged), succeeded
 * (outputs from the manifest the render published; quota committed), failed (quota refunded),
 * canceled. Every write is a guarded transition, so repeating one is harmless.
 */
import type { ImageManifest, RenderManifest } from '@cutline/render-job';
import type { RenderMetrics } from '../http/metrics.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import type { ObjectStore } from '../storage/object-store.js';
import { outcomeOf } from '../lifecycle/job-outcome.js';
import { outputPrefix } from '../services/render-spec-builder.js';

export interface RenderRecords {
  running(renderId: string): Promise<void>;
  requeued(renderId: string): Promise<void>;
  succeeded(renderId: string, organizationId: string, tier: string): Promise<void>;
  failed(renderId: string, errorCode: string, message: string): Promise<void>;
  canceled(renderId: string, message: string): Promise<void>;
  /** Requeues renders given to the cluster that have no RenderJob; returns how many. */
  requeueLost(inCluster: string[]): Promise<number>;
}

async function readJson(stream: NodeJS.ReadableStream, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('the manifest is too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

export class ClusterRenderRecords implements RenderRecords {
  constructor(
    private readonly lifecycle: RenderLifecycle,
    private readonly store: ObjectStore,
    private readonly options: { metrics?: RenderMetrics; now?: () => Date; lostGraceMs?: number } = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async running(renderId: string): Promise<void> {
    await this.lifecycle.start(renderId, this.now());
  }

  async requeued(renderId: string): Promise<void> {
    await this.lifecycle.preempt(renderId, this.now());
  }

  async succeeded(renderId: string, organizationId: string, tier: string): Promise<void> {
    let manifest: RenderManifest | ImageManifest;
    try {
      manifest = (await readJson(
        await this.store.get(`${outputPrefix(organizationId, renderId)}manifest.json`),
        1024 * 1024,
      )) as RenderManifest | ImageManifest;
    } catch (err) {
      await this.failed(
        renderId,
        'CUTLINE_OUTPUT_MISSING',
        `The render finished but its manifest could not be read: ${(err as Error).message}`,
      );
      return;
    }
    const now = this.now();
    await this.lifecycle.start(renderId, now);
    const outcome = outcomeOf(organizationId, renderId, manifest);
    if ((await this.lifecycle.succeed(renderId, outcome.outputs, outcome.durationSeconds, now)) && outcome.timing)
      this.options.metrics?.observe(tier, outcome.timing.totalSeconds, outcome.timing.realtimeFactor);
  }

  async failed(renderId: string, errorCode: string, message: string): Promise<void> {
    await this.lifecycle.fail(renderId, this.now(), { code: errorCode, message });
  }

  async canceled(renderId: string, message: string): Promise<void> {
    await this.lifecycle.cancel(renderId, this.now(), { code: 'CUTLINE_CANCELED', message });
  }

  async requeueLost(inCluster: string[]): Promise<number> {
    return this.lifecycle.requeueLostInCluster(this.now(), this.options.lostGraceMs ?? 120_000, inCluster);
  }
}
