/**
 * For engines that read text from a file and write a WAV file (flite, festival): a private
 * temporary directory per call, the program run without a shell, the WAV parsed, the
 * directory removed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';
import type { Synthesis } from './engine.js';
import { parseWav } from './pcm.js';

export interface FileSynthesisOptions {
  program: string;
  /** Human name for errors, e.g. "festival (text2wave)". */
  label: string;
  text: string;
  args: (textFile: string, wavFile: string) => string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export async function synthesizeViaFiles(options: FileSynthesisOptions): Promise<Synthesis> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-tts-'));
  try {
    const textFile = join(dir, 'in.txt');
    const wavFile = join(dir, 'out.wav');
    await writeFile(textFile, options.text, 'utf8');
    const result = await runProgram(options.program, options.args(textFile, wavFile), {
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((err: unknown) => {
      if (err instanceof ProgramNotFoundError)
        throw new RenderError('CUTLINE_TTS_UNAVAILABLE', `${options.label} is not installed.`);
      throw err;
    });
    if (result.code !== 0)
      throw new RenderError('CUTLINE_TTS_FAILED', `${options.label} failed: ${result.stderr.trim().slice(0, 300)}`);
    return { pcm: parseWav(await readFile(wavFile)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
