import { ProgramNotFoundError, runProgram } from '../run-process.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { synthesizeViaFiles } from './file-synthesis.js';

const FLITE_VOICES: ReadonlyArray<Omit<Voice, 'id' | 'engine' | 'sampleText'>> = [
  { name: 'slt', language: 'en-US', label: 'SLT (flite)', gender: 'female' },
  { name: 'kal16', language: 'en-US', label: 'Kal (flite)', gender: 'male' },
  { name: 'awb', language: 'en-GB', label: 'AWB, Scottish (flite)', gender: 'male' },
  { name: 'rms', language: 'en-US', label: 'RMS (flite)', gender: 'male' },
];

/** CMU flite: small, clear English voices. Text goes through a file, output to a file. */
export class FliteEngine implements TtsEngine {
  readonly id = 'flite' as const;
  private cached: Promise<Voice[]> | undefined;

  constructor(private readonly program = 'flite') {}

  voices(): Promise<Voice[]> {
    this.cached ??= this.listVoices();
    return this.cached;
  }

  private async listVoices(): Promise<Voice[]> {
    let listing: string;
    try {
      listing = (await runProgram(this.program, ['-lv'], { timeoutMs: 10_000 })).stdout.toString('utf8');
    } catch (err) {
      if (err instanceof ProgramNotFoundError) return [];
      throw err;
    }
    const installed = new Set(listing.replace('Voices available:', '').trim().split(/\s+/));
    return FLITE_VOICES.filter((v) => installed.has(v.name)).map((v) => ({
      ...v,
      id: `flite:${v.name}`,
      engine: 'flite' as const,
      sampleText: 'Hello! This is how your narration will sound.',
    }));
  }

  synthesize(request: SynthesisRequest): Promise<Synthesis> {
    // flite's mean pitch is ~100 Hz for male voices, ~170 for slt; 0-100 maps to 70-270 Hz.
    return synthesizeViaFiles({
      program: this.program,
      label: 'flite',
      text: request.text,
      timeoutMs: 60_000,
      signal: request.signal,
      args: (textFile, wavFile) => [
        '-voice',
        request.voice.name,
        '--setf',
        `duration_stretch=${(1 / request.rate).toFixed(3)}`,
        '--setf',
        `int_f0_target_mean=${Math.round(70 + request.pitch * 2)}`,
        '-f',
        textFile,
        '-o',
        wavFile,
      ],
    });
  }
}
