import { describe, expect, it, vi } from 'vitest';
import { InProcessBus } from '../events/in-process-bus.js';
import { recordClusterProgress } from './cluster-progress.js';

const ID = '3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b';

describe('recordClusterProgress', () => {
  it('writes the first figure at once, then at most once per interval with the latest figure', async () => {
    vi.useFakeTimers();
    try {
      const bus = new InProcessBus();
      const writes: Array<[string, number, string]> = [];
      const stop = recordClusterProgress(
        bus,
        { progress: async (id, p, s) => void writes.push([id, p, s]) },
        { isLeader: () => true, intervalMs: 1_000, now: () => Date.now() },
      );
      await bus.publish(`cutline.renders.${ID}.progress`, { progress: 0.1, stage: 'tts' });
      await bus.publish(`cutline.renders.${ID}.progress`, { progress: 0.2, stage: 'tts' });
      await bus.publish(`cutline.renders.${ID}.progress`, { progress: 0.3, stage: 'encode' });
      expect(writes).toEqual([[ID, 0.1, 'tts']]);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(writes).toEqual([
        [ID, 0.1, 'tts'],
        [ID, 0.3, 'encode'],
      ]);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes nothing on a standby replica, for a subject that is not a render id, or for a figure out of range', async () => {
    const bus = new InProcessBus();
    const writes: unknown[] = [];
    let leader = false;
    const stop = recordClusterProgress(
      bus,
      { progress: async (...args) => void writes.push(args) },
      { isLeader: () => leader },
    );
    await bus.publish(`cutline.renders.${ID}.progress`, { progress: 0.5, stage: 'tts' });
    leader = true;
    await bus.publish('cutline.renders.not-an-id.progress', { progress: 0.5, stage: 'tts' });
    await bus.publish(`cutline.renders.${ID}.progress`, { progress: 7, stage: 'tts' });
    await bus.publish(`cutline.renders.${ID}.progress`, { progress: 'x', stage: 'tts' });
    expect(writes).toEqual([]);
    stop();
  });
});
