/**
 * Admits queued renders while the launcher has room, and turns what the render reports into
 * state transitions: running, progress, succeeded (outputs recorded, quota committed) or
 * failed (quota refunded); a transient failure is retried up to maxAttempts.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { contextFrom, tracer } from '../tracing/tracing.js';
import { progressSubject, type RenderEvent } from '@cutline/render-job';
import type { EventBus } from '../events/event-bus.js';
import type { RenderMetrics } from '../http/metrics.js';
import type { Launcher } from '../launcher/launcher.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';
import { outcomeOf } from '../lifecycle/job-outcome.js';

const EXIT_BAD_INPUT = 2;

export interface DispatcherOptions {
  /** This launcher instance (see LauncherLease): recorded on what it admits. */
  launcherId: string;
  /** How often to look for renders orphaned by a launcher that died (another replica). */
  orphanCheckMs?: number;
  /** False where the launcher's renders outlive this process (Kubernetes: the operator owns them). */
  recoverOrphans?: boolean;
  maxAttempts: number;
  /** How often to look for queued renders when nothing else wakes the dispatcher. */
  pollMs: number;
  log: (message: string, data?: Record<string, unknown>) => void;
  /** Where live progress goes (state changes go through the outbox). */
  bus?: EventBus;
  metrics?: RenderMetrics;
  now?: () => Date;
}

/** Outcomes that cannot be recorded are tried again after 0.5 s, doubling up to 30 s. */
const SETTLE_FIRST_DELAY_MS = 500;
const SETTLE_MAX_DELAY_MS = 30_000;

export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private orphanTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private again = false;
  private stopped = false;
  private paused = false;
  private readonly now: () => Date;

  constructor(
    private readonly lifecycle: RenderLifecycle,
    private readonly launcher: Launcher,
    private readonly options: DispatcherOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    if (this.options.recoverOrphans !== false) {
      await this.requeueOrphans();
      this.orphanTimer = setInterval(
        () =>
          void this.requeueOrphans().catch((err: unknown) =>
            this.options.log('orphan check failed', { error: String(err) }),
          ),
        this.options.orphanCheckMs ?? 30_000,
      );
    }
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  private async requeueOrphans(): Promise<void> {
    const requeued = await this.lifecycle.requeueOrphans(this.now(), this.options.launcherId);
    if (requeued > 0) {
      this.options.log('requeued renders of a launcher that is gone', { count: requeued });
      this.wake();
    }
  }

  /** Looks for work now (after a submission, or when a slot frees up). */
  wake(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: unknown) => this.options.log('dispatch failed', { error: String(err) }))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    await this.launcher.close();
  }

  /** Starts nothing new until resume() (what runs goes on); e.g. while the launcher lease is lost. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  cancel(renderId: string): void {
    this.launcher.stop(renderId);
  }

  private async pump(): Promise<void> {
    while (!this.paused && this.launcher.freeSlots() > 0) {
      const render = await this.lifecycle.admitNext(this.now(), this.options.launcherId);
      if (!render) return;
      let finished = false;
      let lastState: RenderEvent | undefined;
      // One span per attempt, in the trace of the request that submitted the render.
      const traceparent = (render.spec as { traceparent?: string } | null)?.traceparent;
      const span = tracer().startSpan(
        'render',
        {
          attributes: {
            'cutline.render.id': render.id,
            'cutline.tier': render.tier,
            'cutline.attempt': render.attempts,
          },
        },
        contextFrom(traceparent),
      );
      const handed = this.launcher.launch(render, {
        onEvent: (event) => {
          // Progress is fire-and-forget (a newer figure follows); the running move is made
          // again by finish() if it did not land.
          if (event.type === 'progress') {
            void this.lifecycle.progress(render.id, event.progress, event.stage).catch(() => undefined);
            void this.options.bus
              ?.publish(progressSubject(render.id), {
                ...event,
                renderId: render.id,
                organizationId: render.organizationId,
              })
              .catch(() => undefined);
            return;
          }
          lastState = event;
          if (event.state === 'running') {
            void this.lifecycle
              .start(render.id, this.now())
              .catch((err: unknown) =>
                this.options.log('could not record a render as running', { renderId: render.id, error: String(err) }),
              );
          }
        },
        onExit: (code) => {
          if (finished) return;
          finished = true;
          span.setAttribute('process.exit.code', code ?? -1);
          if (code !== 0)
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: lastState?.type === 'state' ? (lastState.error?.code ?? 'failed') : 'failed',
            });
          span.end();
          void this.settle(render, code, lastState).finally(() => this.wake());
        },
      });
      try {
        await handed;
      } catch (err) {
        // Not handed over (e.g. the Kubernetes API is unreachable): back to the queue at once.
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
        span.end();
        finished = true;
        this.options.log('could not launch a render; requeued', { renderId: render.id, error: String(err) });
        await this.lifecycle.requeue(render.id, this.now(), 'retry');
        return;
      }
      if (this.launcher.detached) span.end();
    }
  }

  /**
   * Records a finished render's outcome, trying again while the database is away: the outcome
   * is known only here, and a render left running would hold its slot and its quota.
   */
  private async settle(
    render: { id: string; organizationId: string; tier: string; attempts: number },
    code: number | null,
    last: RenderEvent | undefined,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.finish(render, code, last);
        return;
      } catch (err) {
        if (this.stopped) return;
        this.options.log('could not record a render’s outcome; trying again', {
          renderId: render.id,
          attempt,
          error: String(err),
        });
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(SETTLE_MAX_DELAY_MS, SETTLE_FIRST_DELAY_MS * 2 ** attempt)),
        );
      }
    }
  }

  private async finish(
    render: { id: string; organizationId: string; tier: string; attempts: number },
    code: number | null,
    last: RenderEvent | undefined,
  ): Promise<void> {
    const now = this.now();
    if (code === 0 && last?.type === 'state' && last.state === 'succeeded' && last.manifest) {
      // The running transition may still be in flight: make sure it landed first.
      await this.lifecycle.start(render.id, now);
      const outcome = outcomeOf(render.organizationId, render.id, last.manifest);
      if ((await this.lifecycle.succeed(render.id, outcome.outputs, outcome.durationSeconds, now)) && outcome.timing)
        this.options.metrics?.observe(render.tier, outcome.timing.totalSeconds, outcome.timing.realtimeFactor);
      return;
    }
    const error = last?.type === 'state' ? last.error : undefined;
    if (code !== EXIT_BAD_INPUT && render.attempts < this.options.maxAttempts && error?.code !== 'CUTLINE_CANCELED') {
      // Transient: back to the queue, still holding its quota reservation.
      if (await this.lifecycle.requeue(render.id, now)) {
        this.options.log('render failed transiently; retrying', {
          renderId: render.id,
          attempt: render.attempts,
          code,
        });
      }
      return;
    }
    await this.lifecycle.fail(render.id, now, {
      code: error?.code ?? 'CUTLINE_INTERNAL',
      message: error?.message ?? `The render process exited with ${code}.`,
    });
  }
}
