/**
 * Bad input ends with exit code 2, a stable error code, a human message — and leaves no
 * output behind. Runs the CLI's main() as the command line would.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../render-job/src/cli.js';
import { ensureCorpus, type CorpusName } from './corpus.js';

let corpus: Record<CorpusName, string>;
beforeAll(async () => {
  corpus = await ensureCorpus();
});

async function runCli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(args, { stdout, stderr, env: { PATH: process.env.PATH ?? '' } });
  return { code, stderr: err, stdout: out };
}

async function expectRejected(args: (out: string) => string[], code: string): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), 'cutline-bad-')), 'out');
  const result = await runCli([...args(out), '--events', 'stdout', '--preset', 'superfast', '--max-resolution', '480']);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toContain(`[${code}]`);
  // The final JSON event carries the same code.
  const last = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
    state?: string;
    error?: { code: string };
  };
  if (last.state) expect(last).toMatchObject({ state: 'failed', error: { code } });
  // No partial outputs: the destination was never created, or is empty.
  if (existsSync(out)) expect(await readdir(out)).toEqual([]);
  return result.stderr;
}

const text = 'A perfectly fine script.';

describe('bad video inputs', () => {
  it.each([
    ['zeroBytes', 'CUTLINE_INPUT_EMPTY'],
    ['textAsMp4', 'CUTLINE_INPUT_NOT_VIDEO'],
    ['png', 'CUTLINE_INPUT_NOT_VIDEO'],
    ['pngAsMp4', 'CUTLINE_INPUT_NOT_VIDEO'],
    ['wav', 'CUTLINE_INPUT_NO_VIDEO_STREAM'],
    ['wavAsMp4', 'CUTLINE_INPUT_NO_VIDEO_STREAM'],
    ['truncatedNoIndex', 'CUTLINE_INPUT_CORRUPT'],
    ['truncatedData', 'CUTLINE_INPUT_CORRUPT'],
    ['absurdDimensions', 'CUTLINE_INPUT_DIMENSIONS'],
  ] as const)('%s → %s', async (name, code) => {
    await expectRejected((out) => ['--video', corpus[name], '--text', text, '--out', out], code);
  });

  it('a missing file → CUTLINE_INPUT_NOT_FOUND', async () => {
    await expectRejected(
      (out) => ['--video', '/nonexistent/video.mp4', '--text', text, '--out', out],
      'CUTLINE_INPUT_NOT_FOUND',
    );
  });

  it('an overlong source → CUTLINE_INPUT_DURATION', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-spec-'));
    const spec = join(dir, 'spec.json');
    const out = join(dir, 'out');
    await writeFile(
      spec,
      JSON.stringify({
        version: 1,
        video: { source: corpus.h264Landscape },
        script: { text },
        limits: { maxInputSeconds: 2 },
        output: { destination: out },
      }),
    );
    const result = await runCli(['--spec', spec, '--events', 'none']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[CUTLINE_INPUT_DURATION]');
    expect(existsSync(out)).toBe(false);
  });
});

describe('bad scripts', () => {
  it.each([
    ['', 'CUTLINE_SCRIPT_EMPTY'],
    ['   \n\n  ', 'CUTLINE_SCRIPT_EMPTY'],
    ['word '.repeat(2000), 'CUTLINE_SCRIPT_TOO_LONG'],
    ['Ring the bell\u0007 now', 'CUTLINE_SCRIPT_CONTROL_CHARS'],
    ['Escape \u001b[2J sequences', 'CUTLINE_SCRIPT_CONTROL_CHARS'],
  ])('%j → %s', async (script, code) => {
    await expectRejected((out) => ['--video', corpus.h264Landscape, '--text', script, '--out', out], code);
  });

  it('an unknown voice → CUTLINE_VOICE_UNKNOWN', async () => {
    await expectRejected(
      (out) => ['--video', corpus.h264Landscape, '--text', text, '--voice', 'espeak:klingon', '--out', out],
      'CUTLINE_VOICE_UNKNOWN',
    );
  });

  it('a narration over the limit → CUTLINE_NARRATION_TOO_LONG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-spec-'));
    const spec = join(dir, 'spec.json');
    await writeFile(
      spec,
      JSON.stringify({
        version: 1,
        video: { source: corpus.h264Landscape },
        script: { text: 'This narration takes longer than two seconds to say out loud.' },
        limits: { maxNarrationSeconds: 2 },
        output: { destination: join(dir, 'out') },
      }),
    );
    const result = await runCli(['--spec', spec, '--events', 'none']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[CUTLINE_NARRATION_TOO_LONG]');
  });
});

describe('bad specs and flags', () => {
  it('invalid JSON and schema errors name the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-spec-'));
    await writeFile(join(dir, 'broken.json'), '{"version": 1,');
    const broken = await runCli(['--spec', join(dir, 'broken.json')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('[CUTLINE_INVALID_SPEC]');
    await writeFile(
      join(dir, 'wrong.json'),
      JSON.stringify({
        version: 1,
        video: { source: 'x.mp4' },
        script: { text: 'x' },
        formats: ['4:3'],
        output: { destination: 'o' },
      }),
    );
    const wrong = await runCli(['--spec', join(dir, 'wrong.json')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('/formats/0');
  });

  it('unknown flags and formats are usage errors', async () => {
    expect((await runCli(['--frobnicate'])).code).toBe(2);
    const format = await runCli(['--video', 'x.mp4', '--text', 'x', '--out', 'o', '--formats', '4:3']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Unknown format "4:3"');
  });

  it('a corrupt logo → CUTLINE_LOGO_INVALID, before any encoding', async () => {
    await expectRejected(
      (out) => ['--video', corpus.h264Landscape, '--text', text, '--logo', corpus.textAsMp4, '--out', out],
      'CUTLINE_LOGO_INVALID',
    );
  });
});
