/**
 * Narration: synthesises every caption segment on its own, trims the engine's silence, and
 * joins the clips with pauses that follow the text (clause < sentence < paragraph). Because
 * the joined audio is assembled here sample by sample, each segment's start and end in the
 * final narration are exact, and so are the caption timings derived from them.
 */
import { spreadWords, round3, type TimedWord } from '../captions/timing.js';
import type { Boundary, Segment } from '../text/segment.js';
import { joinTokens } from '../text/segment.js';
import type { SynthesisRequest, TtsEngine, Voice, WordTiming } from './engine.js';
import { applyGain, normaliseLoudness } from './loudness.js';
import {
  concat,
  fadeEdges,
  leadingTrimSeconds,
  resample,
  silence,
  trimSilence,
  voicedRange,
  VOICE_PAD_SECONDS,
  wavHeader,
  type Pcm,
} from './pcm.js';

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

/** What the captions, sidecars and the encode need of a narration: its length and timing. */
export type NarrationTimeline = Pick<Narration, 'duration' | 'segments'>;

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
    (s) => options.engine.synthesize(requestFor(s, options)),
    options.onProgress,
  );
  const sampleRate = clips[0]?.pcm.sampleRate ?? 24_000;
  const trimmed = clips.map((synthesis) => {
    const full = resample(synthesis.pcm, sampleRate);
    const pcm = trimSilence(full);
    // Engine word times count from the untrimmed clip; the segment is where the voice is.
    const clip: KeptClip = {
      length: pcm.samples.length,
      lead: leadingTrimSeconds(full),
      voiced: voicedRange(pcm),
      words: synthesis.words,
    };
    return { pcm, clip };
  });
  const timeline = layOut(
    segments,
    trimmed.map((t) => t.clip),
    sampleRate,
  );
  const parts: Pcm[] = [silence(sampleRate, LEAD_IN_SECONDS)];
  trimmed.forEach((t, i) => parts.push(t.pcm, { sampleRate, samples: new Int16Array(timeline.gaps[i]!) }));
  const pcm = concat(sampleRate, parts);
  return { pcm, duration: timeline.duration, segments: timeline.segments };
}

/**
 * A narration whose timing is known before its audio (every clip planned by the engine, see
 * PlannedSynthesis): the timeline now, the samples later, in order, while ffmpeg encodes.
 */
export interface PlannedNarration {
  sampleRate: number;
  /** Samples in the whole narration: what audio() yields, exactly. */
  samples: number;
  duration: number;
  segments: TimedSegment[];
  /** The narration's samples at `targetLufs`, clip by clip; each clip is made when asked for. */
  audio(targetLufs: number, signal?: AbortSignal): AsyncGenerator<Int16Array>;
}

/** Voice measured before the first sample goes out; every clip then gets the same gain. */
const GAIN_WINDOW_SECONDS = 6;

/**
 * Plans every segment; undefined when the engine cannot plan this voice (narrate() then makes
 * the audio first). Clips keep `padSeconds` around their voice, as trimSilence() does.
 */
export async function planNarration(
  segments: readonly Segment[],
  options: NarrateOptions,
  padSeconds = VOICE_PAD_SECONDS,
): Promise<PlannedNarration | undefined> {
  const plan = options.engine.plan?.bind(options.engine);
  if (!plan || segments.length === 0) return undefined;
  const first = await plan(requestFor(segments[0]!, options));
  if (!first) return undefined;
  options.onProgress?.(1, segments.length);
  const rest = await mapLimit(
    segments.slice(1),
    options.concurrency ?? 4,
    async (s) => (await plan(requestFor(s, options)))!,
    (done, total) => options.onProgress?.(done + 1, total + 1),
  );
  const planned = [first, ...rest];
  const sampleRate = first.sampleRate;
  if (planned.some((p) => p.sampleRate !== sampleRate)) return undefined;
  const pad = Math.round(padSeconds * sampleRate);
  const cuts = planned.map((p) => ({
    from: Math.max(0, p.voiced.start - pad),
    to: Math.min(p.samples, p.voiced.end + pad),
  }));
  const timeline = layOut(
    segments,
    planned.map((p, i) => ({
      length: cuts[i]!.to - cuts[i]!.from,
      lead: cuts[i]!.from / sampleRate,
      voiced: { start: p.voiced.start - cuts[i]!.from, end: p.voiced.end - cuts[i]!.from },
      words: p.words,
    })),
    sampleRate,
  );
  const lead = Math.round(LEAD_IN_SECONDS * sampleRate);
  const kept = async (i: number): Promise<Pcm> => {
    const pcm = await planned[i]!.render();
    // Cut by the planned timing, not by level, so its edges may fall inside a sound.
    return fadeEdges({ sampleRate, samples: pcm.samples.slice(cuts[i]!.from, cuts[i]!.to) });
  };
  async function* audio(targetLufs: number, signal?: AbortSignal): AsyncGenerator<Int16Array> {
    const ahead: Array<Pcm | undefined> = [];
    for (let seconds = 0; ahead.length < planned.length && seconds < GAIN_WINDOW_SECONDS;) {
      if (signal?.aborted) return;
      const pcm = await kept(ahead.length);
      ahead.push(pcm);
      seconds += pcm.samples.length / sampleRate;
    }
    const { gainDb } = normaliseLoudness(concat(sampleRate, ahead as Pcm[]), targetLufs);
    yield new Int16Array(lead);
    for (let i = 0; i < planned.length; i++) {
      if (signal?.aborted) return;
      const pcm = ahead[i] ?? (await kept(i));
      ahead[i] = undefined;
      yield applyGain(pcm, gainDb).samples;
      yield new Int16Array(timeline.gaps[i]!);
    }
  }
  return { sampleRate, samples: timeline.samples, duration: timeline.duration, segments: timeline.segments, audio };
}

/** A planned narration as a WAV: the header (its length is known), then its samples as they are made. */
export async function* plannedWav(
  planned: PlannedNarration,
  targetLufs: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  yield wavHeader(planned.sampleRate, planned.samples);
  for await (const samples of planned.audio(targetLufs, signal))
    yield Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

function requestFor(segment: Segment, options: NarrateOptions): SynthesisRequest {
  const request: SynthesisRequest = {
    text: joinTokens(segment.tokens),
    voice: options.voice,
    rate: options.rate,
    pitch: options.pitch,
  };
  if (options.signal) request.signal = options.signal;
  return request;
}

/** A clip as it goes into the narration: its kept length and where its voice and words are. */
interface KeptClip {
  /** Samples kept (the engine's clip minus its trimmed silence). */
  length: number;
  /** Seconds trimmed from the front of the engine's clip (engine word times count from there). */
  lead: number;
  /** The voice inside the kept samples. */
  voiced: { start: number; end: number };
  words?: WordTiming[] | undefined;
}

/**
 * The timeline: a lead-in, then each clip followed by the pause its boundary asks for (the tail
 * after the last). Each segment's start and end, and its words, in seconds of the narration.
 */
function layOut(
  segments: readonly Segment[],
  clips: readonly KeptClip[],
  sampleRate: number,
): { segments: TimedSegment[]; gaps: number[]; samples: number; duration: number } {
  let cursor = Math.round(LEAD_IN_SECONDS * sampleRate);
  const timed: TimedSegment[] = [];
  const gaps: number[] = [];
  segments.forEach((segment, i) => {
    const clip = clips[i]!;
    const clipStart = cursor / sampleRate;
    const start = clipStart + clip.voiced.start / sampleRate;
    const end = clipStart + clip.voiced.end / sampleRate;
    // The engine's own word timing where it gives one per caption word; otherwise estimated.
    const words =
      clip.words && clip.words.length === segment.tokens.length
        ? clip.words.map((w, k) => ({
            text: segment.tokens[k]!.text,
            start: round3(Math.max(start, clipStart + w.start - clip.lead)),
            end: round3(Math.min(end, clipStart + w.end - clip.lead)),
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
    const pause = i === segments.length - 1 ? TAIL_SECONDS : PAUSE_SECONDS[segment.boundary];
    gaps.push(Math.round(pause * sampleRate));
    cursor += clip.length + gaps[i]!;
  });
  return { segments: timed, gaps, samples: cursor, duration: cursor / sampleRate };
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
