/**
 * The voice catalogue: every voice of every engine available on this machine, by id
 * (`engine:name`). The control plane serves it as GET /v1/voices.
 */
import { RenderError } from '../errors.js';
import type { EngineId, TtsEngine, Voice } from './engine.js';
import { EspeakEngine } from './espeak.js';
import { FestivalEngine } from './festival.js';
import { FliteEngine } from './flite.js';
import { OpenAiSpeechEngine, type OpenAiSpeechOptions } from './openai.js';
import { PiperEngine } from './piper.js';
import { voicesDir } from '../config.js';

export class VoiceCatalogue {
  private readonly engines: Map<EngineId, TtsEngine>;

  constructor(engines: readonly TtsEngine[]) {
    this.engines = new Map(engines.map((e) => [e.id, e]));
  }

  static standard(openai?: OpenAiSpeechOptions, piperVoices: string | undefined = voicesDir()): VoiceCatalogue {
    return new VoiceCatalogue([
      new EspeakEngine(),
      new FliteEngine(),
      new FestivalEngine(),
      new OpenAiSpeechEngine(openai),
      new PiperEngine(piperVoices),
    ]);
  }

  async list(): Promise<Voice[]> {
    const all = await Promise.all([...this.engines.values()].map((e) => e.voices()));
    return all.flat();
  }

  /** Finds a voice and its engine, or fails with CUTLINE_VOICE_UNKNOWN. */
  async resolve(id: string): Promise<{ voice: Voice; engine: TtsEngine }> {
    const engineId = id.split(':', 1)[0] as EngineId;
    const engine = this.engines.get(engineId);
    const voices = engine ? await engine.voices() : [];
    // Exact id first; then a bare language as people type it: `espeak:fr` → `espeak:fr-fr`
    // (the language's home variant), else its first regional variant.
    const language = id.slice(engineId.length + 1);
    const voice =
      voices.find((v) => v.id === id) ??
      voices.find((v) => v.id === `${id}-${language}`) ??
      voices.find((v) => v.id.startsWith(`${id}-`));
    if (!engine || !voice) {
      throw new RenderError(
        'CUTLINE_VOICE_UNKNOWN',
        `Unknown voice "${id}". GET /v1/voices (or cutline-render --list-voices) lists the voices.`,
        { voice: id },
      );
    }
    return { voice, engine };
  }
}
