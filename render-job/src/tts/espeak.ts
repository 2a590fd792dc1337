import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { parseWav } from './pcm.js';
import { sampleTextFor } from './sample-text.js';

const DEFAULT_WPM = 175;

/** espeak-ng: every language it ships, formant synthesis, instant. Text goes in on stdin. */
export class EspeakEngine implements TtsEngine {
  readonly id = 'espeak' as const;
  private cached: Promise<Voice[]> | undefined;

  constructor(private readonly program = 'espeak-ng') {}

  voices(): Promise<Voice[]> {
    this.cached ??= this.listVoices();
    return this.cached;
  }

  private async listVoices(): Promise<Voice[]> {
    let result;
    try {
      result = await runProgram(this.program, ['--voices'], { timeoutMs: 10_000 });
    } catch (err) {
      if (err instanceof ProgramNotFoundError) return [];
      throw err;
    }
    return parseEspeakVoices(result.stdout.toString('utf8'));
  }

  async synthesize(request: SynthesisRequest): Promise<Synthesis> {
    const args = [
      '-v',
      request.voice.name,
      '-s',
      String(Math.round(DEFAULT_WPM * request.rate)),
      '-p',
      String(Math.min(99, Math.round(request.pitch))),
      '-b',
      '1', // input is UTF-8
      '--stdin',
      '--stdout',
    ];
    let result;
    try {
      result = await runProgram(this.program, args, { input: request.text, timeoutMs: 60_000, signal: request.signal });
    } catch (err) {
      if (err instanceof ProgramNotFoundError)
        throw new RenderError('CUTLINE_TTS_UNAVAILABLE', 'espeak-ng is not installed.');
      throw err;
    }
    if (result.code !== 0 || result.stdout.length < 44) {
      throw new RenderError(
        'CUTLINE_TTS_FAILED',
        `espeak-ng failed: ${result.stderr.trim().slice(0, 300) || `exit ${result.code}`}`,
      );
    }
    return { pcm: parseWav(result.stdout) };
  }
}

/** Parses `espeak-ng --voices` (Pty Language Age/Gender VoiceName File Other). */
export function parseEspeakVoices(listing: string): Voice[] {
  const voices: Voice[] = [];
  for (const line of listing.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const [, language, ageGender, label] = cols as [string, string, string, string];
    const gender = ageGender.endsWith('F') ? 'female' : ageGender.endsWith('M') ? 'male' : 'neutral';
    voices.push({
      id: `espeak:${language}`,
      engine: 'espeak',
      name: language,
      language,
      label: `${label.replace(/_/g, ' ')} (espeak-ng)`,
      gender,
      sampleText: sampleTextFor(language),
    });
  }
  return voices;
}
