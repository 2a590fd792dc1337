/**
 * In Kubernetes, render pods report their progress to the API, which puts it on the bus
 * (routes/render-event-intake-routes.ts); no dispatcher sees it, as one does for local workers. This records it on the
 * render (progress and stage, shown by GET /v1/renders/:id and the lists), at most once per
 * interval per render, and only on the leading operator so replicas do not write twice.
 */
import { ALL_RENDER_PROGRESS } from '@cutline/render-job';
import { isUuid } from '../domain.js';
import type { EventBus, Unsubscribe } from '../events/event-bus.js';
import type { RenderLifecycle } from '../lifecycle/render-lifecycle.js';

export interface ClusterProgressOptions {
  isLeader: () => boolean;
  /** Minimum time between two writes for one render; the last figure in a window wins. */
  intervalMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export function recordClusterProgress(
  bus: EventBus,
  lifecycle: Pick<RenderLifecycle, 'progress'>,
  options: ClusterProgressOptions,
): Unsubscribe {
  const intervalMs = options.intervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const lastWrite = new Map<string, number>();
  const pending = new Map<string, { progress: number; stage: string; timer: NodeJS.Timeout }>();

  const write = (renderId: string, progress: number, stage: string) => {
    lastWrite.set(renderId, now());
    lifecycle.progress(renderId, progress, stage).catch((err: unknown) => options.onError?.(err));
  };

  const unsubscribe = bus.subscribe(ALL_RENDER_PROGRESS, ({ subject, data }) => {
    if (!options.isLeader()) return;
    const renderId = subject.split('.')[2]!;
    const progress = Number(data.progress);
    const stage = typeof data.stage === 'string' ? data.stage.slice(0, 32) : '';
    // Pods are not trusted to name arbitrary rows or write nonsense figures.
    if (!isUuid(renderId) || !Number.isFinite(progress) || progress < 0 || progress > 1) return;
    const waited = now() - (lastWrite.get(renderId) ?? -Infinity);
    const queued = pending.get(renderId);
    if (waited >= intervalMs && !queued) {
      write(renderId, progress, stage);
      return;
    }
    if (queued) {
      queued.progress = progress;
      queued.stage = stage;
      return;
    }
    const timer = setTimeout(() => {
      const latest = pending.get(renderId)!;
      pending.delete(renderId);
      write(renderId, latest.progress, latest.stage);
    }, intervalMs - waited);
    timer.unref();
    pending.set(renderId, { progress, stage, timer });
    // Forget renders that went quiet, so the map does not grow for ever.
    if (lastWrite.size > 10_000) for (const [id, at] of lastWrite) if (now() - at > 60_000) lastWrite.delete(id);
  });

  return () => {
    unsubscribe();
    for (const { timer } of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}
