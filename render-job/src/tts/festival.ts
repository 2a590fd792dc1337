import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { synthesizeViaFiles } from './file-synthesis.js';

const KNOWN: Record<string, Pick<Voice, 'language' | 'label' | 'gender'>> = {
  cmu_us_slt_arctic_hts: { language: 'en-US', label: 'SLT HTS (festival)', gender: 'female' },
  kal_diphone: { language: 'en-US', label: 'Kal diphone (festival)', gender: 'male' },
};

/**
 * Rate and pitch in festival's Scheme. HTS voices take them as hts_engine options (-r speed,
 * -fm half-tones); other voices stretch durations. Only numbers are interpolated.
 */
function prosody(voiceName: string, rate: number, pitch: number): string {
  const r = rate.toFixed(3);
  if (voiceName.endsWith('_hts')) {
    const halfTones = (((pitch - 50) / 50) * 6).toFixed(2);
    return `(set! hts_engine_params (append hts_engine_params (list (list "-r" ${r}) (list "-fm" ${halfTones}))))`;
  }
  return `(Parameter.set 'Duration_Stretch ${(1 / rate).toFixed(3)})`;
}

/**
 * Festival with HTS voices via text2wave. Voice names come from the installed voice folders,
 * never from user input, so the Scheme we pass to -eval holds only names and numbers.
 */
export class FestivalEngine implements TtsEngine {
  readonly id = 'festival' as const;
  private cached: Promise<Voice[]> | undefined;

  constructor(
    private readonly program = 'text2wave',
    private readonly voicesDir = '/usr/share/festival/voices',
  ) {}

  voices(): Promise<Voice[]> {
    this.cached ??= this.listVoices();
    return this.cached;
  }

  private async listVoices(): Promise<Voice[]> {
    const names: string[] = [];
    try {
      for (const family of await readdir(this.voicesDir)) {
        for (const name of await readdir(join(this.voicesDir, family))) names.push(name);
      }
    } catch {
      return [];
    }
    return names
      .filter((name) => /^[a-z0-9_]+$/.test(name))
      .map((name) => ({
        id: `festival:${name}`,
        engine: 'festival' as const,
        name,
        language: KNOWN[name]?.language ?? 'en-US',
        label: KNOWN[name]?.label ?? `${name} (festival)`,
        gender: KNOWN[name]?.gender ?? 'neutral',
        sampleText: 'Hello! This is how your narration will sound.',
      }));
  }

  async synthesize(request: SynthesisRequest): Promise<Synthesis> {
    if (!/^[a-z0-9_]+$/.test(request.voice.name)) throw new RenderError('CUTLINE_VOICE_UNKNOWN');
    return synthesizeViaFiles({
      program: this.program,
      label: 'festival (text2wave)',
      text: request.text,
      timeoutMs: 120_000,
      signal: request.signal,
      args: (textFile, wavFile) => [
        '-eval',
        `(voice_${request.voice.name})`,
        '-eval',
        prosody(request.voice.name, request.rate, request.pitch),
        '-o',
        wavFile,
        textFile,
      ],
    });
  }
}
