/**
 * Turns stage-level progress into one overall figure with an ETA, and throttles it so a fast
 * ffmpeg progress stream does not flood terminals or the bus.
 */
import { RENDER_STAGES, STAGE_WEIGHTS, type EventSink, type RenderStage } from './events.js';

export class ProgressTracker {
  private readonly startedAt: number;
  private lastEmit = 0;
  private lastStage: RenderStage | undefined;

  constructor(
    private readonly renderId: string,
    private readonly sink: EventSink,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  overall(stage: RenderStage, fraction: number): number {
    let done = 0;
    for (const s of RENDER_STAGES) {
      if (s === stage) break;
      done += STAGE_WEIGHTS[s];
    }
    return Math.min(1, done + STAGE_WEIGHTS[stage] * Math.max(0, Math.min(1, fraction)));
  }

  report(stage: RenderStage, fraction: number): void {
    const t = this.now();
    const stageChanged = stage !== this.lastStage;
    if (!stageChanged && fraction < 1 && t - this.lastEmit < this.intervalMs) return;
    this.lastEmit = t;
    this.lastStage = stage;
    const progress = this.overall(stage, fraction);
    const elapsed = (t - this.startedAt) / 1000;
    const etaSeconds =
      progress > 0.02 && progress < 1 ? Math.round((elapsed / progress) * (1 - progress)) : progress >= 1 ? 0 : null;
    void Promise.resolve(
      this.sink.emit({
        type: 'progress',
        renderId: this.renderId,
        stage,
        progress: Math.round(progress * 1000) / 1000,
        stageProgress: Math.round(Math.max(0, Math.min(1, fraction)) * 1000) / 1000,
        etaSeconds,
        at: new Date(t).toISOString(),
      }),
    ).catch(() => undefined);
  }
}
