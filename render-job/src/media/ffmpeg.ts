/**
 * The one module that drives ffmpeg (through fluent-ffmpeg). It runs a plan from
 * filtergraph.ts as a single process, reports progress from ffmpeg's own time counter, and
 * can be canceled. ffmpeg is spawned with an argument vector, never through a shell, and
 * reads only local files of the allowed containers (media-formats.ts).
 */
import type { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { RenderError, toRenderError } from '../errors.js';
import type { FfmpegPlan } from './filtergraph.js';
import { localInputOptions } from './media-formats.js';

/** The input path that reads ffmpeg's stdin (RunPlanOptions.stdin). */
export const STDIN_INPUT = 'pipe:0';

export interface RunPlanOptions {
  ffmpegPath?: string;
  signal?: AbortSignal;
  /** Called with the fraction of the output written so far (0..1). */
  onProgress?: (fraction: number) => void;
  /** Threads for the filter graph; 0 lets ffmpeg decide. */
  filterThreads?: number;
  /** What the plan's STDIN_INPUT input reads (the narration made during the encode). */
  stdin?: Readable | undefined;
}

export interface RunPlanResult {
  /** ffmpeg's last stderr lines, for the manifest and logs. */
  log: string;
}

/** Parses ffmpeg's `HH:MM:SS.cc` time mark into seconds. */
export function parseTimemark(mark: string): number {
  const match = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(mark.trim());
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return match[1] ? -seconds : seconds;
}

export function runPlan(plan: FfmpegPlan, options: RunPlanOptions = {}): Promise<RunPlanResult> {
  return new Promise((resolve, reject) => {
    const command = ffmpeg();
    if (options.ffmpegPath) command.setFfmpegPath(options.ffmpegPath);
    for (const input of plan.inputs) {
      if (input.path === STDIN_INPUT && !options.stdin)
        throw new Error('runPlan: the plan reads pipe:0 but no stdin was given');
      command.input(input.path === STDIN_INPUT ? options.stdin! : input.path);
      command.inputOptions([...localInputOptions([input.kind]), ...input.options]);
    }
    command.complexFilter(plan.filterComplex);
    for (const output of plan.outputs) {
      command.output(output.path).outputOptions(output.options);
    }
    command.addOption('-nostdin');
    command.addOption('-hide_banner');
    if (options.filterThreads) command.addOption('-filter_complex_threads', String(options.filterThreads));

    let canceled = false;
    const onAbort = () => {
      canceled = true;
      command.kill('SIGKILL');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    command.on('progress', (progress: { timemark?: string }) => {
      if (!options.onProgress || !progress.timemark) return;
      const fraction = parseTimemark(progress.timemark) / plan.duration;
      options.onProgress(Math.max(0, Math.min(1, fraction)));
    });
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (canceled) {
        reject(new RenderError('CUTLINE_CANCELED'));
        return;
      }
      // The narration failed while ffmpeg read it (fluent-ffmpeg has killed ffmpeg): its error is the render's.
      const fromInput = (err as Error & { inputStreamError?: unknown }).inputStreamError;
      if (fromInput) {
        reject(toRenderError(fromInput));
        return;
      }
      const tail = (stderr ?? '').trim().split('\n').slice(-8).join('\n');
      reject(
        new RenderError(
          'CUTLINE_FFMPEG_FAILED',
          `ffmpeg failed: ${tail || err.message}`,
          { stderr: tail },
          { cause: err },
        ),
      );
    });
    command.on('end', (_stdout: string | null, stderr: string | null) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ log: (stderr ?? '').trim().split('\n').slice(-10).join('\n') });
    });
    command.run();
  });
}
