/**
 * Narration: synthesises every caption segment on its own, trims the engine's silence, and
 * joins the clips with pauses that follow the text (clause < sentence < paragraph). Because
 * the joined audio is assembled here sample by sample, each segment's start and end in the
 * final narration are exact, and so are the caption timings derived from them.
 */
import { spreadWords, round3, type TimedWord } from '../captions/timing.js';
import type { Boundary, Segment } from '../text/segment.js';
import { joinTokens } from '../text/segment.js';
import type { SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { concat, leadingTrimSeconds, resample, silence, trimSilence, voicedRange, type Pcm } from './pcm.js';

export const LEAD_IN_SECONDS = 0.25;
export const TAIL_SECONDS = 0.6;
const PAUSE_SECONDS: Record<Boundary, number> = { clause: 0.12, sentence: 0.3, paragraph: 0.6 };

export interface TimedSegment {
  index: number;
  text: string;
  /** Where the segment's voice starts and ends in the narration, in seconds. */
  start: number;
  end: number;
  words: TimedWord[];
  segment: Segment;
}

export interface Narration {
  pcm: Pcm;
  duration: number;
  segments: TimedSegment[];
}

export interface NarrateOptions {
  engine: TtsEngine;
  voice: Voice;
  rate: number;
  pitch: number;
  signal?: AbortSignal;
  /** Segments synthesised at once; engines are separate processes, so this uses the cores. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function narrate(segments: readonly Segment[], options: NarrateOptions): Promise<Narration> {
  const clips = await mapLimit(
    segments,
    options.concurrency ?? 4,
    async (segment) => {
      const request: SynthesisRequest = {
        text: joinTokens(segment.tokens),
        voice: options.voice,
        rate: options.rate,
        pitch: options.pitch,
      };
      if (options.signal) request.signal = options.signal;
      return options.engine.synthesize(request);
    },
    options.onProgress,
  );

  const sampleRate = clips[0]?.pcm.sampleRate ?? 24_000;
  const parts: Pcm[] = [silence(sampleRate, LEAD_IN_SECONDS)];
  let cursor = parts[0]!.samples.length;
  const timed: TimedSegment[] = [];

  segments.forEach((segment, i) => {
    const synthesis = clips[i]!;
    const full = resample(synthesis.pcm, sampleRate);
    const clip = trimSilence(full);
    const clipStart = cursor / sampleRate;
    // Engine word times count from the untrimmed clip.
    const trimmed = leadingTrimSeconds(full);
    // The segment is where the voice is: the clip minus the few ms of padding around it.
    const voiced = voicedRange(clip);
    const start = clipStart + voiced.start / sampleRate;
    const end = clipStart + voiced.end / sampleRate;
    // The engine's own word timing where it gives one per caption word; otherwise estimated.
    const words =
      synthesis.words && synthesis.words.length === segment.tokens.length
        ? synthesis.words.map((w, k) => ({
            text: segment.tokens[k]!.text,
            start: round3(Math.max(start, clipStart + w.start - trimmed)),
            end: round3(Math.min(end, clipStart + w.end - trimmed)),
          }))
        : spreadWords(segment.tokens, start, end);
    timed.push({
      index: segment.index,
      text: joinTokens(segment.tokens),
      start: round3(start),
      end: round3(end),
      words,
      segment,
    });
    parts.push(clip);
    cursor += clip.samples.length;
    const pause = i === segments.length - 1 ? TAIL_SECONDS : PAUSE_SECONDS[segment.boundary];
    const gap = silence(sampleRate, pause);
    parts.push(gap);
    cursor += gap.samples.length;
  });

  const pcm = concat(sampleRate, parts);
  return { pcm, duration: pcm.samples.length / sampleRate, segments: timed };
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  onDone?: (done: number, total: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
      onDone?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
