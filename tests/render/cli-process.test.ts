/** The installed command, as a separate process: exit codes, JSON-lines progress, voice list. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCorpus, type CorpusName } from './corpus.js';

const BIN = join(import.meta.dirname, '../../render-job/bin/cutline-render.js');
let corpus: Record<CorpusName, string>;

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  expect(existsSync(join(import.meta.dirname, '../../render-job/dist/cli.js')), 'run `make build` first').toBe(true);
});

describe('cutline-render', () => {
  it('renders, printing JSON-lines progress when stdout is not a terminal, and exits 0', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cutline-cli-')), 'out');
    const result = cli([
      '--video',
      corpus.oneSecond,
      '--text',
      'From the command line.',
      '--out',
      out,
      '--max-resolution',
      '480',
      '--preset',
      'superfast',
      '--style',
      'pop-in',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; state?: string; progress?: number });
    expect(events[0]).toMatchObject({ type: 'state', state: 'running' });
    expect(events.at(-1)).toMatchObject({ type: 'state', state: 'succeeded' });
    expect(events.some((e) => e.type === 'progress' && e.progress === 1)).toBe(true);
    expect(existsSync(join(out, 'video-9x16.mp4'))).toBe(true);
  });

  it('exits 2 on bad input with the code on stderr', () => {
    const result = cli(['--video', corpus.wav, '--text', 'Hi.', '--out', join(tmpdir(), 'never')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('CUTLINE_INPUT_NO_VIDEO_STREAM');
  });

  it('exits 1 on a transient failure (NATS unreachable)', () => {
    const result = cli([
      '--video',
      corpus.oneSecond,
      '--text',
      'Hi.',
      '--out',
      join(tmpdir(), 'never'),
      '--events',
      'nats://127.0.0.1:9',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot open the event sink');
  });

  it('lists voices and caption styles', () => {
    const voices = cli(['--list-voices', '--json']);
    expect(voices.status).toBe(0);
    expect((JSON.parse(voices.stdout) as Array<{ id: string }>).map((v) => v.id)).toContain('espeak:en-us');
    const styles = cli(['--list-styles']);
    expect(styles.stdout).toMatch(/karaoke/);
    expect(cli(['--help']).stdout).toMatch(/Usage:/);
  });
});
