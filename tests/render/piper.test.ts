/**
 * The Piper neural voice that `make tools` installs (en_US-joe-medium), through the real model
 * in onnxruntime-node: natural speech with the voice's own word timing (issue 22).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, VoiceCatalogue } from '@cutline/render-job';
import { PiperEngine, phonemeIds } from '../../render-job/src/tts/piper.js';
import { integratedLoudness } from '../../render-job/src/tts/loudness.js';
import { planNarration } from '../../render-job/src/tts/narration.js';
import { segmentScript } from '../../render-job/src/text/segment.js';
import type { WordTiming } from '../../render-job/src/tts/engine.js';
import { VOICE_PAD_SECONDS, type Pcm } from '../../render-job/src/tts/pcm.js';
import { voicesDir } from '../../render-job/src/config.js';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { expectOk, render } from './render-helper.js';

const VOICE = 'piper:en_US-joe-medium';
let engine: PiperEngine;
let corpus: Record<CorpusName, string>;

beforeAll(async () => {
  corpus = await ensureCorpus();
  engine = new PiperEngine(voicesDir());
  expect((await engine.voices()).map((v) => v.id)).toContain(VOICE);
});

const joe = async () => (await engine.voices()).find((v) => v.id === VOICE)!;
const speak = async (text: string, rate = 1) => engine.synthesize({ text, voice: await joe(), rate, pitch: 50 });

/** Silences ffmpeg finds in a clip: [start, end] in seconds. */
async function silences(samples: { sampleRate: number; samples: Int16Array }): Promise<Array<[number, number]>> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-piper-'));
  const wav = join(dir, 'clip.wav');
  await writeFile(wav, encodeWav(samples));
  const { stderr } = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', wav, '-af', 'silencedetect=noise=-40dB:d=0.08', '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  const starts = [...stderr.matchAll(/silence_start: ([\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  return starts.map((s, i) => [s, ends[i] ?? Infinity]);
}

describe('Piper voice', () => {
  it('speaks, and its phoneme durations add up to the audio to the sample', async () => {
    const loaded = (await engine.loaded(VOICE))!;
    const { ids } = phonemeIds([{ ipa: 'həlˈoʊ ðˈɛɹ', punctuation: '.' }], loaded.config.phoneme_id_map);
    const run = await engine.infer(loaded, ids);
    expect(run.durations).toBeDefined();
    expect(run.durations!.length).toBe(ids.length);
    expect([...run.durations!].reduce((a, b) => a + b, 0) * 256).toBe(run.audio.length);
    const rms = Math.sqrt(run.audio.reduce((n, v) => n + v * v, 0) / run.audio.length);
    expect(rms).toBeGreaterThan(0.01);
    expect(run.audio.length / run.sampleRate).toBeGreaterThan(0.4);
    expect(run.audio.length / run.sampleRate).toBeLessThan(3);
  });

  it('times every word from the voice itself: in order, inside the audio, a pause after each comma word', async () => {
    const text = 'First, we open the box, then we smile.';
    const spoken = await speak(text);
    const duration = spoken.pcm.samples.length / spoken.pcm.sampleRate;
    const words = spoken.words!;
    expect(words.map((w) => w.text)).toEqual(text.split(' '));
    for (const [i, w] of words.entries()) {
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end).toBeLessThanOrEqual(duration + 0.001);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
    }
    await expectPausesAfterCommas(words, spoken.pcm);
  });

  it('plans a clip: its length and word timing first, then audio of exactly that length', async () => {
    const text = 'First, we open the box, then we smile.';
    const planned = (await engine.plan({ text, voice: await joe(), rate: 1, pitch: 50 }))!;
    expect(planned).toBeDefined();
    const words = planned.words!;
    expect(words.map((w) => w.text)).toEqual(text.split(' '));
    for (const [i, w] of words.entries()) {
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end * planned.sampleRate).toBeLessThanOrEqual(planned.samples + 1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(words[i - 1]!.end);
    }
    expect(Math.abs(planned.voiced.start / planned.sampleRate - words[0]!.start)).toBeLessThan(0.001);
    expect(Math.abs(planned.voiced.end / planned.sampleRate - words.at(-1)!.end)).toBeLessThan(0.001);
    const pcm = await planned.render();
    expect(pcm.samples.length).toBe(planned.samples);
    await expectPausesAfterCommas(words, pcm);
    await expect(planned.render()).rejects.toThrow(/twice/);
  });

  it('streams a narration: the timeline first, then exactly its samples, silent between segments, on target', async () => {
    const script = 'Cutline reads this first sentence aloud. A second one follows it, with a comma. A third ends it.';
    const segments = segmentScript(script, { locale: 'en-US', maxWordsPerLine: 4, maxLines: 1 });
    const plan = (await planNarration(segments, { engine, voice: await joe(), rate: 1, pitch: 50 }))!;
    expect(plan).toBeDefined();
    expect(plan.segments.map((s) => s.text)).toEqual(segments.map((s) => s.tokens.map((t) => t.text).join(' ')));
    const chunks: Int16Array[] = [];
    for await (const chunk of plan.audio(-14)) chunks.push(chunk);
    const samples = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (samples.set(c, at), at + c.length), 0);
    expect(samples.length).toBe(plan.samples);
    expect(plan.duration).toBeCloseTo(samples.length / plan.sampleRate, 6);
    const at = (seconds: number) => Math.round(seconds * plan.sampleRate);
    for (const [i, segment] of plan.segments.entries()) {
      // The voice is where the timeline says; each clip keeps the voice pad around it (a sample of
      // rounding spare), then the pause is silence.
      const voice = samples.subarray(at(segment.start), at(segment.end));
      expect(Math.sqrt(voice.reduce((n, v) => n + v * v, 0) / voice.length)).toBeGreaterThan(300);
      const next = plan.segments[i + 1];
      const edge = VOICE_PAD_SECONDS + 0.001;
      const pause = samples.subarray(at(segment.end + edge), next ? at(next.start - edge) : samples.length);
      expect(pause.length).toBeGreaterThan(0.05 * plan.sampleRate);
      expect(pause.every((v) => v === 0)).toBe(true);
      for (const w of segment.words) expect(w.start >= segment.start && w.end <= segment.end + 0.001).toBe(true);
    }
    const lufs = integratedLoudness({ sampleRate: plan.sampleRate, samples });
    expect(lufs).toBeGreaterThan(-15);
    expect(lufs).toBeLessThan(-13);
  });

  it('speaks faster at rate 1.5 (about a third shorter), and pauses at punctuation', async () => {
    const text = 'The quick brown fox jumps over the lazy dog and runs into the forest';
    const normal = await speak(text);
    const fast = await speak(text, 1.5);
    const ratio = fast.pcm.samples.length / normal.pcm.samples.length;
    expect(ratio).toBeGreaterThan(0.55);
    expect(ratio).toBeLessThan(0.78);
    const withComma = await speak('The quick brown fox jumps, over the lazy dog');
    const without = await speak('The quick brown fox jumps over the lazy dog');
    expect(withComma.pcm.samples.length).toBeGreaterThan(without.pcm.samples.length + 0.08 * without.pcm.sampleRate);
  });

  it('leaves out a bad voice file with a warning, and never crashes on one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-voices-'));
    await writeFile(join(dir, 'empty.onnx'), '');
    await writeFile(join(dir, 'empty.onnx.json'), '{}');
    await writeFile(join(dir, 'nomap.onnx'), Buffer.alloc(4096, 1));
    await writeFile(
      join(dir, 'nomap.onnx.json'),
      JSON.stringify({ audio: { sample_rate: 22050 }, espeak: { voice: 'en-us' } }),
    );
    await writeFile(join(dir, 'nojson.onnx'), Buffer.alloc(4096, 1));
    const warnings: string[] = [];
    const bad = new PiperEngine(dir, (line) => void warnings.push(line));
    expect(await bad.voices()).toEqual([]);
    expect(warnings.map((w) => w.replace(dir, 'DIR'))).toEqual([
      'Piper voice DIR/empty.onnx left out: the model file is empty',
      expect.stringMatching(/^Piper voice DIR\/nojson\.onnx left out: ENOENT/),
      'Piper voice DIR/nomap.onnx left out: its JSON has no phoneme_id_map',
    ]);
    expect(await new PiperEngine(join(dir, 'missing')).voices()).toEqual([]);
    expect(await readdir(dir)).toHaveLength(5);
  });

  it('searches a list of voice directories in order, the first voice of a name winning', async () => {
    const extra = await mkdtemp(join(tmpdir(), 'cutline-voices-extra-'));
    const installed = (await engine.voices())[0]!;
    const [model] = (await readdir(voicesDir())).filter((n) => n.endsWith('.onnx'));
    // The same voice under another name in the extra directory, with a label of its own.
    const config = JSON.parse(await readFile(join(voicesDir(), `${model}.json`), 'utf8')) as Record<string, unknown>;
    await symlink(join(voicesDir(), model!), join(extra, 'en_US-extra-medium.onnx'));
    await writeFile(join(extra, 'en_US-extra-medium.onnx.json'), JSON.stringify(config));
    await symlink(join(voicesDir(), model!), join(extra, model!));
    await writeFile(join(extra, `${model}.json`), JSON.stringify({ ...config, dataset: 'shadowing' }));
    const both = await new PiperEngine(`${extra}:${voicesDir()}`).voices();
    expect(both.map((v) => v.id).sort()).toEqual([installed.id, 'piper:en_US-extra-medium'].sort());
    expect(both.find((v) => v.id === installed.id)!.label).toContain('shadowing');
    expect(await new PiperEngine(`/nowhere:${voicesDir()}`).voices()).toEqual(await engine.voices());
  });

  it('fails as retryable, at once, when its voice directory is removed under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-voices-gone-'));
    const [model] = (await readdir(voicesDir())).filter((n) => n.endsWith('.onnx'));
    await symlink(join(voicesDir(), model!), join(dir, model!));
    await symlink(join(voicesDir(), `${model}.json`), join(dir, `${model}.json`));
    const fleeting = new PiperEngine(dir);
    const [voice] = await fleeting.voices();
    await rm(dir, { recursive: true, force: true });
    const failure = await fleeting
      .synthesize({ text: 'Still there?', voice: voice!, rate: 1, pitch: 50 })
      .catch((e) => e);
    expect(failure).toMatchObject({ code: 'CUTLINE_TTS_UNAVAILABLE', retryable: true });
  });

  it('fails a render whose voice cannot make its audio, once ffmpeg has begun, with the voice’s error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutline-voices-half-'));
    const [model] = (await readdir(voicesDir())).filter((n) => n.endsWith('.onnx'));
    const parts = `${model!.slice(0, -'.onnx'.length)}.parts`;
    await symlink(join(voicesDir(), model!), join(dir, model!));
    await symlink(join(voicesDir(), `${model}.json`), join(dir, `${model}.json`));
    await mkdir(join(dir, parts));
    await symlink(join(voicesDir(), parts, 'timing.onnx'), join(dir, parts, 'timing.onnx'));
    await writeFile(join(dir, parts, 'audio.onnx'), Buffer.alloc(4096, 7));
    const result = await render(
      { video: { source: corpus.oneSecond }, script: { text: 'This voice plans, then fails.' }, voice: { id: VOICE } },
      { catalogue: new VoiceCatalogue([new PiperEngine(dir)]) },
    );
    expect(result.outcome.ok).toBe(false);
    expect(!result.outcome.ok && result.outcome.error).toMatchObject({
      code: 'CUTLINE_TTS_FAILED',
      retryable: true,
      message: expect.stringContaining('audio.onnx does not load'),
    });
    expect(await readdir(result.outDir)).toEqual([]);
  });

  it('narrates a render, with karaoke words on the voice’s own timing', async () => {
    const result = await render({
      video: { source: corpus.oneSecond },
      script: { text: 'Natural voices, offline. Captions follow every word.' },
      voice: { id: VOICE },
      captions: { style: 'karaoke' },
    });
    const manifest = expectOk(result);
    expect(manifest.voice).toMatchObject({ id: VOICE, engine: 'piper' });
    expect(manifest.durationSeconds).toBeGreaterThan(2);
  });
});

/** The pause after each comma word holds its end (found with ffmpeg's silencedetect). */
async function expectPausesAfterCommas(words: readonly WordTiming[], pcm: Pcm): Promise<void> {
  const gaps = await silences(pcm);
  for (const comma of words.filter((w) => w.text.endsWith(','))) {
    // The pause may begin a little before the word's end (a final consonant is quieter than the
    // detector's threshold), and it ends as the next word begins.
    const next = words[words.indexOf(comma) + 1]!;
    const pause = gaps.find(
      ([start, end]) =>
        start > comma.start && start <= comma.end + 0.04 && end >= comma.end && end <= next.start + 0.04,
    );
    expect({ word: comma.text, end: comma.end, pauseNear: Boolean(pause), gaps }).toMatchObject({ pauseNear: true });
  }
}
