import { RenderError } from '../errors.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { parseWav } from './pcm.js';

export interface OpenAiSpeechOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

const OPENAI_VOICES = ['alloy', 'ash', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'] as const;
const FEMALE = new Set(['alloy', 'coral', 'nova', 'sage', 'shimmer']);

/**
 * Any server speaking OpenAI's `POST /v1/audio/speech` (OpenAI itself, or self-hosted ones such
 * as those wrapping Piper or Kokoro). Asks for WAV so segment lengths are exact.
 */
export class OpenAiSpeechEngine implements TtsEngine {
  readonly id = 'openai' as const;

  constructor(private readonly options: OpenAiSpeechOptions | undefined) {}

  async voices(): Promise<Voice[]> {
    if (!this.options) return [];
    return OPENAI_VOICES.map((name) => ({
      id: `openai:${name}`,
      engine: 'openai' as const,
      name,
      language: 'en',
      label: `${name[0]!.toUpperCase()}${name.slice(1)} (${this.options!.model})`,
      gender: FEMALE.has(name) ? 'female' : 'male',
      sampleText: 'Hello! This is how your narration will sound.',
    }));
  }

  async synthesize(request: SynthesisRequest): Promise<Synthesis> {
    if (!this.options)
      throw new RenderError('CUTLINE_TTS_UNAVAILABLE', 'No OpenAI-compatible speech server is configured.');
    const url = new URL(
      'v1/audio/speech',
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 120_000)];
    if (request.signal) signals.push(request.signal);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          voice: request.voice.name,
          input: request.text,
          response_format: 'wav',
          speed: request.rate,
        }),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      throw new RenderError(
        'CUTLINE_TTS_UNAVAILABLE',
        `The speech server at ${url.origin} could not be reached.`,
        undefined,
        { cause: err },
      );
    }
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, 300);
      // 4xx other than rate limiting means the request itself is wrong: do not retry it.
      const code =
        response.status >= 400 && response.status < 500 && response.status !== 429
          ? 'CUTLINE_VOICE_UNKNOWN'
          : 'CUTLINE_TTS_FAILED';
      throw new RenderError(code, `The speech server answered ${response.status}: ${body}`);
    }
    return { pcm: parseWav(Buffer.from(await response.arrayBuffer())) };
  }
}
