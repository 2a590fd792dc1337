import { describe, expect, it } from 'vitest';
import type { EventSink, ProgressEvent, RenderEvent } from './events.js';
import { ProgressTracker } from './progress-tracker.js';

function collector(): { sink: EventSink; events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return {
    events,
    sink: {
      emit: (e: RenderEvent) => void (e.type === 'progress' && events.push(e)),
      close: async () => undefined,
    },
  };
}

describe('ProgressTracker', () => {
  it('weights stages into one monotonic figure ending at 1', () => {
    let t = 0;
    const { sink, events } = collector();
    const tracker = new ProgressTracker('r1', sink, 0, () => t);
    for (const stage of ['fetching', 'probing', 'synthesizing', 'encoding', 'publishing'] as const) {
      for (const f of [0, 0.5, 1]) {
        t += 1000;
        tracker.report(stage, f);
      }
    }
    const values = events.map((e) => e.progress);
    expect(values.at(-1)).toBe(1);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(events.at(-1)!.etaSeconds).toBe(0);
  });

  it('estimates the time left from the pace so far', () => {
    let t = 0;
    const { sink, events } = collector();
    const tracker = new ProgressTracker('r1', sink, 0, () => t);
    tracker.report('encoding', 0);
    t = 10_000;
    tracker.report('encoding', 0.5);
    // 13% + 41% = 54% done in 10 s → about 8.5 s left.
    expect(events.at(-1)!.etaSeconds).toBeGreaterThan(7);
    expect(events.at(-1)!.etaSeconds).toBeLessThan(10);
  });

  it('throttles within a stage but always reports stage changes and completion', () => {
    let t = 0;
    const { sink, events } = collector();
    const tracker = new ProgressTracker('r1', sink, 250, () => t);
    tracker.report('encoding', 0);
    for (let i = 1; i < 100; i++) {
      t += 10;
      tracker.report('encoding', i / 100);
    }
    tracker.report('encoding', 1);
    tracker.report('publishing', 0);
    expect(events.length).toBeLessThan(10);
    expect(events.map((e) => e.stage)).toContain('publishing');
    expect(events.some((e) => e.stage === 'encoding' && e.stageProgress === 1)).toBe(true);
  });
});
