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
import { detectLanguage, writingSystemsOf, type DetectedLanguage } from '../text/language.js';
import { voicesDir } from '../config.js';

/** The voice id that picks the voice for the script's language. */
export const AUTO_VOICE = 'auto';
/** Engines `auto` picks from, best first (the OpenAI-compatible one needs a server of its own). */
const ENGINE_ORDER: readonly EngineId[] = ['piper', 'espeak'];
/** The variant a bare language means. */
const HOME_VARIANT: Record<string, string> = { en: 'en-us', fr: 'fr-fr', pt: 'pt-br', es: 'es', zh: 'cmn', de: 'de' };

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

  /**
   * The voice for `auto`: one of the script's language, neural (Piper) before espeak-ng and the
   * language's home variant first; else one that reads its writing system; else espeak-ng's
   * US English.
   */
  async choose(text: string): Promise<{ voice: Voice; engine: TtsEngine; detected: DetectedLanguage }> {
    const { voice, detected } = await this.match(text);
    return { voice, engine: this.engines.get(voice.engine)!, detected };
  }

  /**
   * The script's language, the voice `auto` takes for it, and every voice of that language,
   * best first (neural before the rest, the language's home variant before other regions).
   */
  async match(text: string): Promise<{ voice: Voice; detected: DetectedLanguage; sameLanguage: Voice[] }> {
    const voices = await this.list();
    const detected = detectLanguage(text, [
      ...new Set(voices.filter((v) => ENGINE_ORDER.includes(v.engine)).map((v) => v.language)),
    ]);
    const base = (language: string) => {
      const code = language.toLowerCase().split(/[-_]/)[0]!;
      return code === 'cmn' ? 'zh' : code;
    };
    const rank = (v: Voice) =>
      ENGINE_ORDER.indexOf(v.engine) * 10 +
      (v.language.toLowerCase() === HOME_VARIANT[detected.language] || v.language.toLowerCase() === detected.language
        ? 0
        : 1);
    const sameLanguage = voices
      .filter((v) => base(v.language) === detected.language && ENGINE_ORDER.includes(v.engine))
      .sort((a, b) => rank(a) - rank(b));
    const sameScript = voices.filter(
      (v) => ENGINE_ORDER.includes(v.engine) && writingSystemsOf(v.language)?.includes(detected.writingSystem),
    );
    const voice = sameLanguage[0] ?? sameScript[0] ?? voices.find((v) => v.id === 'espeak:en-us') ?? voices[0];
    if (!voice) throw new RenderError('CUTLINE_TTS_UNAVAILABLE', 'No speech engine is installed.');
    return { voice, detected, sameLanguage };
  }

  /** Like resolve(), with `auto` choosing the voice for the text. */
  async resolveFor(
    id: string,
    text: string,
  ): Promise<{ voice: Voice; engine: TtsEngine; detected?: DetectedLanguage }> {
    return id === AUTO_VOICE ? this.choose(text) : this.resolve(id);
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
