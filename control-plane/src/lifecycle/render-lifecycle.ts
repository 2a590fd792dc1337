/**
 * Every change of a render's state after submission (DESIGN §4), by the transition table of
 * contract/render-states.ts. Each is one statement, or one transaction, together with its
 * outbox event and what it does to the quota: committed on success, refunded on failure or
 * cancel, reserved anew on retry (by the caller, in the same transaction). An image job
 * counts its images, on their own allowance, instead of one render.
 */
import { RENDER_TRANSITIONS, type RenderTransition } from '@cutline/contract';
import { LAUNCHER_LOCK_CLASS } from '../launcher/launcher-lease.js';
import { KUBERNETES_LAUNCHER_ID } from '../launcher/launcher.js';
import type { PlanId } from '../domain.js';
import type { PlanTable } from '../plans.js';
import type {
  AdmittedRender,
  MoveFields,
  MovedRender,
  OutputFile,
  QueuedRenderInput,
  RenderStatesRepository,
  Tx,
} from '../repositories/render-states-repository.js';
import type { UsageRepository } from '../repositories/usage-repository.js';
import { stateEvent, type StateEventDetails } from './render-state-events.js';

const DAY_MS = 86_400_000;

export interface RenderError {
  code: string;
  message: string;
}

export class RenderLifecycle {
  constructor(
    private readonly states: RenderStatesRepository,
    private readonly usage: UsageRepository,
    private readonly plans: PlanTable,
  ) {}

  /**
   * A new render in the queue, inside the caller's transaction (which reserved its quota).
   * Single submissions are written by one shared statement (submissions-repository.ts) that
   * announces them the same way; batches come through here.
   */
  async submit(tx: Tx, input: QueuedRenderInput): Promise<void> {
    const state = RENDER_TRANSITIONS.submit.to;
    const queuedAt = await this.states.insert(tx, input, state);
    await this.states.announce(tx, stateEvent(input.id, input.organizationId, state, queuedAt));
  }

  /** queued → admitted: the next render by priority and fair share, or none. */
  async admitNext(now: Date, launcherId: string): Promise<AdmittedRender | undefined> {
    const limits = Object.values(this.plans).map((p) => ({ tier: p.id, concurrency: p.concurrency }));
    return this.states.transaction(async (tx) => {
      const render = await this.states.lockNextQueued(tx, limits);
      if (!render) return undefined;
      await this.states.markAdmitted(tx, render.id, now, launcherId);
      await this.states.announce(tx, stateEvent(render.id, render.organizationId, RENDER_TRANSITIONS.admit.to, now));
      return { ...render, attempts: render.attempts + 1 };
    });
  }

  /** admitted → running; false when it was not admitted (already running, or finished). */
  async start(id: string, now: Date): Promise<boolean> {
    return (await this.apply('start', id, now)) !== undefined;
  }

  /** running → succeeded: records the outputs with the plan's expiry and commits the quota. */
  async succeed(id: string, outputs: OutputFile[], durationSeconds: number, now: Date): Promise<boolean> {
    return this.states.transaction(async (tx) => {
      const tier = await this.states.tierOf(tx, id);
      if (!tier) return false;
      const expiresAt = new Date(now.getTime() + this.plans[tier as PlanId].retentionDays * DAY_MS);
      const moved = await this.apply('succeed', id, now, { expiresAt, durationSeconds }, { durationSeconds }, tx);
      if (!moved) return false;
      await this.states.recordOutputs(tx, id, outputs, expiresAt);
      if (moved.usagePeriodId && moved.kind === 'image')
        await this.usage.commitImages(tx, moved.usagePeriodId, moved.units);
      else if (moved.usagePeriodId) {
        await this.usage.commit(tx, moved.usagePeriodId, durationSeconds);
        if (this.plans[moved.tier as PlanId].overage) await this.usage.recordOverage(tx, moved.usagePeriodId, id);
      }
      return true;
    });
  }

  /** admitted | running → failed, refunding the quota. */
  async fail(id: string, now: Date, error: RenderError): Promise<boolean> {
    return (
      (await this.apply('fail', id, now, { errorCode: error.code, errorMessage: error.message }, { error })) !==
      undefined
    );
  }

  /**
   * queued | admitted | running → canceled, refunding the quota. With `organizationId`, only
   * that organization's render (a request on its behalf); with `tx`, inside the caller's transaction.
   */
  async cancel(
    id: string,
    now: Date,
    error: RenderError,
    options: { organizationId?: string; tx?: Tx } = {},
  ): Promise<boolean> {
    const fields = { errorCode: error.code, errorMessage: error.message, organizationId: options.organizationId };
    return (await this.apply('cancel', id, now, fields, { error }, options.tx)) !== undefined;
  }

  /** failed | canceled → queued, on a reservation the caller made in `tx`. */
  async retry(tx: Tx, organizationId: string, id: string, usagePeriodId: string, now: Date): Promise<boolean> {
    const rule = RENDER_TRANSITIONS.retry;
    if (!(await this.states.resetForRetry(tx, organizationId, id, rule.from, usagePeriodId, now))) return false;
    await this.states.announce(tx, stateEvent(id, organizationId, rule.to, now, { reason: 'retry' }));
    return true;
  }

  /** admitted | running → queued, keeping the reservation: a transient failure or a launch that failed. */
  async requeue(id: string, now: Date, reason?: StateEventDetails['reason']): Promise<boolean> {
    return (await this.apply('requeue', id, now, {}, { reason })) !== undefined;
  }

  /** running → admitted: the cluster evicted the pod and its Job starts another. */
  async preempt(id: string, now: Date): Promise<boolean> {
    return (await this.apply('preempt', id, now, {}, { reason: 'requeued' })) !== undefined;
  }

  /**
   * Renders of launchers that are gone (their advisory lock is free) back to the queue; those
   * of live launchers, this one included, and the cluster's (the operator reconciles those) stay.
   */
  requeueOrphans(now: Date, launcherId: string): Promise<number> {
    const rule = RENDER_TRANSITIONS.requeue;
    return this.states.requeueOrphans(
      now,
      rule.from,
      launcherId,
      KUBERNETES_LAUNCHER_ID,
      LAUNCHER_LOCK_CLASS,
      'requeued',
    );
  }

  /**
   * Renders handed to Kubernetes that have no RenderJob there (the process died between
   * admitting and creating it, or someone deleted it), once older than `graceMs` so one still
   * being created is not taken for lost.
   */
  requeueLostInCluster(now: Date, graceMs: number, inCluster: string[]): Promise<number> {
    const before = new Date(now.getTime() - graceMs);
    return this.states.requeueMissing(
      now,
      RENDER_TRANSITIONS.requeue.from,
      KUBERNETES_LAUNCHER_ID,
      before,
      inCluster,
      'requeued',
    );
  }

  /** succeeded → expired for every render whose files are past retention. */
  expireDue(now: Date): Promise<number> {
    return this.states.expireDue(now, RENDER_TRANSITIONS.expire.from);
  }

  /** Progress of a running render (not a transition: no event is stored). */
  progress(id: string, progress: number, stage: string): Promise<void> {
    return this.states.progress(id, progress, stage);
  }

  /** One render through one transition, announced; refunds when the transition gives up the render. */
  private async apply(
    transition: Exclude<RenderTransition, 'submit' | 'admit' | 'retry' | 'expire'>,
    id: string,
    now: Date,
    fields: MoveFields = {},
    details: StateEventDetails = {},
    within?: Tx,
  ): Promise<MovedRender | undefined> {
    const rule = RENDER_TRANSITIONS[transition];
    const run = async (tx: Tx) => {
      const moved = await this.states.move(tx, id, rule.from, rule.to, now, fields);
      if (!moved) return undefined;
      if ((transition === 'fail' || transition === 'cancel') && moved.usagePeriodId) {
        if (moved.kind === 'image') await this.usage.refundImages(tx, moved.usagePeriodId, moved.units);
        else await this.usage.refund(tx, moved.usagePeriodId);
      }
      await this.states.announce(tx, stateEvent(id, moved.organizationId, rule.to, now, details));
      return moved;
    };
    return within ? run(within) : this.states.transaction(run);
  }
}
