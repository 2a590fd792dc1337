import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, TtyProgressSink } from './tty-sink.js';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe('TtyProgressSink', () => {
  it('redraws one line with a bar, percentage, stage and ETA, then prints the outcome', async () => {
    const { out, text } = capture();
    const sink = new TtyProgressSink(out, 10);
    const at = new Date().toISOString();
    sink.emit({
      type: 'progress',
      renderId: 'r',
      stage: 'encoding',
      progress: 0.5,
      stageProgress: 0.4,
      etaSeconds: 75,
      at,
    });
    expect(text()).toContain('\r\x1b[2K█████░░░░░  50%  encoding  ETA 1m15s');
    sink.emit({
      type: 'state',
      renderId: 'r',
      state: 'failed',
      error: { code: 'CUTLINE_INPUT_NOT_VIDEO', message: 'Not a video.', retryable: false },
      at,
    });
    expect(text()).toContain('✖ Render failed: Not a video. [CUTLINE_INPUT_NOT_VIDEO]\n');
    await sink.close();
  });

  it('formats durations', () => {
    expect([formatDuration(5), formatDuration(60), formatDuration(3599)]).toEqual(['5s', '1m00s', '59m59s']);
  });
});
