/**
 * One interface for every speech engine. An engine synthesises one caption segment at a time;
 * the segment's WAV length is its caption timing, so any engine keeps captions in sync.
 */
import type { Pcm } from './pcm.js';

export type EngineId = 'espeak' | 'flite' | 'festival' | 'openai' | 'piper';

export interface Voice {
  /** Catalogue id, `engine:name`, e.g. `espeak:en-us`, `festival:cmu_us_slt_arctic_hts`. */
  id: string;
  engine: EngineId;
  /** The engine's own voice name. */
  name: string;
  /** BCP 47 language tag. */
  language: string;
  label: string;
  gender: 'female' | 'male' | 'neutral';
  sampleText: string;
}

export interface SynthesisRequest {
  text: string;
  voice: Voice;
  /** Rate multiplier (1 = normal). */
  rate: number;
  /** 0-100, 50 neutral. */
  pitch: number;
  signal?: AbortSignal;
}

export interface WordTiming {
  text: string;
  start: number;
  end: number;
}

export interface Synthesis {
  pcm: Pcm;
  /** Word timings in seconds from the clip start, when the engine reports them. */
  words?: WordTiming[];
}

/**
 * A clip whose length and word timing are known before its audio is made (a Piper voice cut at
 * its duration predictor), so the render can start encoding while the voice is still speaking.
 */
export interface PlannedSynthesis {
  sampleRate: number;
  /** The clip's length in samples; render() makes exactly this many. */
  samples: number;
  /** Where the voice is inside the clip, in samples (the rest is the model's lead and tail). */
  voiced: { start: number; end: number };
  /** Word timings in seconds from the clip start, when the engine reports them. */
  words?: WordTiming[];
  render(): Promise<Pcm>;
}

export interface TtsEngine {
  readonly id: EngineId;
  /** Voices this engine offers on this machine (empty when the engine is not installed). */
  voices(): Promise<Voice[]>;
  synthesize(request: SynthesisRequest): Promise<Synthesis>;
  /** Loads what the voice needs (a model) ahead of the first synthesis; errors show there. */
  prepare?(voice: Voice): Promise<void>;
  /** The clip's timing now and its audio later; undefined when this voice cannot plan ahead. */
  plan?(request: SynthesisRequest): Promise<PlannedSynthesis | undefined>;
}
