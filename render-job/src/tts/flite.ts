import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';
import type { Synthesis, SynthesisRequest, TtsEngine, Voice } from './engine.js';
import { parseWav } from './pcm.js';

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

  async synthesize(request: SynthesisRequest): Promise<Synthesis> {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-flite-'));
    try {
      const textFile = join(dir, 'in.txt');
      const wavFile = join(dir, 'out.wav');
      await writeFile(textFile, request.text, 'utf8');
      // flite's mean pitch is ~100 Hz for male, ~170 for slt; map 0-100 around the voice's own.
      const args = [
        '-voice', request.voice.name,
        '--setf', `duration_stretch=${(1 / request.rate).toFixed(3)}`,
        '--setf', `int_f0_target_mean=${Math.round(70 + request.pitch * 2)}`,
        '-f', textFile,
        '-o', wavFile,
      ];
      const result = await runProgram(this.program, args, { timeoutMs: 60_000, signal: request.signal }).catch((err: unknown) => {
        if (err instanceof ProgramNotFoundError) throw new RenderError('CUTLINE_TTS_UNAVAILABLE', 'flite is not installed.');
        throw err;
      });
      if (result.code !== 0) throw new RenderError('CUTLINE_TTS_FAILED', `flite failed: ${result.stderr.trim().slice(0, 300)}`);
      return { pcm: parseWav(await readFile(wavFile)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
