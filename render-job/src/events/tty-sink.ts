import type { Writable } from 'node:stream';
import { isImageManifest } from '../image/image-manifest.js';
import type { EventSink, RenderEvent, StateEvent } from './events.js';

/** A one-line progress bar with stage and ETA, redrawn in place on a terminal. */
export class TtyProgressSink implements EventSink {
  private drawn = false;

  constructor(
    private readonly out: Writable & { columns?: number },
    private readonly width = 30,
  ) {}

  emit(event: RenderEvent): void {
    if (event.type === 'progress') {
      const filled = Math.round(event.progress * this.width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}`;
      const pct = `${Math.round(event.progress * 100)}`.padStart(3);
      const eta = event.etaSeconds === null ? '' : `  ETA ${formatDuration(event.etaSeconds)}`;
      this.out.write(`\r\x1b[2K${bar} ${pct}%  ${event.stage}${eta}`);
      this.drawn = true;
      return;
    }
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    switch (event.state) {
      case 'succeeded':
        this.out.write(
          `✔ Render ${event.renderId} finished in ${event.manifest ? formatDuration(totalSeconds(event.manifest)) : '?'}\n`,
        );
        break;
      case 'failed':
        this.out.write(`✖ Render failed: ${event.error?.message ?? 'unknown error'} [${event.error?.code ?? '?'}]\n`);
        break;
      case 'canceled':
        this.out.write('✖ Render canceled\n');
        break;
      case 'running':
        break;
    }
  }

  async close(): Promise<void> {
    if (this.drawn) this.out.write('\n');
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function totalSeconds(manifest: NonNullable<StateEvent['manifest']>): number {
  return isImageManifest(manifest) ? manifest.seconds : manifest.timings.totalSeconds;
}
