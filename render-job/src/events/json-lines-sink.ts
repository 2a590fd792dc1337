import type { Writable } from 'node:stream';
import type { EventSink, RenderEvent } from './events.js';

/** One JSON object per line: for pipes, the local launcher, and `--events stdout`. */
export class JsonLinesSink implements EventSink {
  constructor(private readonly out: Writable) {}

  emit(event: RenderEvent): void {
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  async close(): Promise<void> {}
}
