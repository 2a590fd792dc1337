/** What a render reports while it runs: progress (fire-and-forget) and state (durable). */
import type { ImageManifest } from '../image/image-manifest.js';
import type { RenderManifest } from '../manifest.js';

export const RENDER_STAGES = ['fetching', 'probing', 'synthesizing', 'encoding', 'publishing'] as const;
export type RenderStage = (typeof RENDER_STAGES)[number];

/** Share of the whole render each stage takes, for one overall progress figure. */
export const STAGE_WEIGHTS: Record<RenderStage, number> = {
  fetching: 0.03,
  probing: 0.02,
  synthesizing: 0.08,
  encoding: 0.82,
  publishing: 0.05,
};

export interface ProgressEvent {
  type: 'progress';
  renderId: string;
  stage: RenderStage;
  /** Overall progress 0..1. */
  progress: number;
  stageProgress: number;
  etaSeconds: number | null;
  at: string;
}

export interface StateEvent {
  type: 'state';
  renderId: string;
  state: 'running' | 'succeeded' | 'failed' | 'canceled';
  error?: { code: string; message: string; retryable: boolean };
  /** What a render or an image job (`kind: "image"`) published. */
  manifest?: RenderManifest | ImageManifest;
  at: string;
}

export type RenderEvent = ProgressEvent | StateEvent;

export interface EventSink {
  emit(event: RenderEvent): void | Promise<void>;
  close(): Promise<void>;
}

/** Subjects on the bus, and the patterns that match them (`*` one token, `>` the rest). */
const SUBJECT_ROOT = 'cutline.renders';
export function progressSubject(renderId: string): string {
  return `${SUBJECT_ROOT}.${renderId}.progress`;
}
export function stateSubject(renderId: string): string {
  return `${SUBJECT_ROOT}.${renderId}.state`;
}
/** Every event of one render. */
export function renderEventsPattern(renderId: string): string {
  return `${SUBJECT_ROOT}.${renderId}.>`;
}
export const ALL_RENDER_EVENTS = `${SUBJECT_ROOT}.>`;
export const ALL_RENDER_PROGRESS = progressSubject('*');

/** Fans events out to several sinks; a failing progress sink never fails the render. */
export class MultiSink implements EventSink {
  constructor(private readonly sinks: readonly EventSink[]) {}

  async emit(event: RenderEvent): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.emit(event)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure && event.type === 'state') throw failure.reason;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.sinks.map((s) => s.close()));
  }
}
