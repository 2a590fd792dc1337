/**
 * Every engine behind the one interface: espeak-ng, flite, festival, and an OpenAI-compatible
 * /v1/audio/speech server (a small real one the suite runs, synthesising with espeak-ng).
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceCatalogue } from '@cutline/render-job';
import { main } from '../../render-job/src/cli.js';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { expectOk, render } from './render-helper.js';

let corpus: Record<CorpusName, string>;
let server: Server;
let baseUrl: string;
const requests: Array<{
  auth: string | undefined;
  body: { model: string; voice: string; input: string; response_format: string; speed: number };
}> = [];

beforeAll(async () => {
  corpus = await ensureCorpus();
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/audio/speech') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as (typeof requests)[number]['body'];
      requests.push({ auth: req.headers.authorization, body });
      if (body.voice === 'nonexistent') {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'unknown voice' } }));
        return;
      }
      const wav = execFileSync('espeak-ng', ['-v', 'en-us', '--stdin', '--stdout'], { input: body.input });
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('voice catalogue', () => {
  it('lists espeak-ng languages, flite and festival voices, and the OpenAI-compatible server when configured', async () => {
    const voices = await VoiceCatalogue.standard({ baseUrl, model: 'tts-1' }).list();
    const ids = new Set(voices.map((v) => v.id));
    for (const id of [
      'espeak:en-us',
      'espeak:fr-fr',
      'espeak:ja',
      'espeak:ar',
      'flite:slt',
      'festival:cmu_us_slt_arctic_hts',
      'openai:alloy',
    ])
      expect(ids).toContain(id);
    expect(voices.filter((v) => v.engine === 'espeak').length).toBeGreaterThan(100);
    for (const v of voices)
      expect(v).toMatchObject({
        id: expect.any(String),
        language: expect.any(String),
        gender: expect.stringMatching(/female|male|neutral/),
        sampleText: expect.any(String),
      });
    expect(voices.find((v) => v.id === 'espeak:fr-fr')!.sampleText).toMatch(/Bonjour/);
    // People type a language; the catalogue finds its voice.
    expect((await VoiceCatalogue.standard().resolve('espeak:fr')).voice.id).toBe('espeak:fr-fr');
  });

  it('has no OpenAI voices when no server is configured', async () => {
    expect((await VoiceCatalogue.standard().list()).some((v) => v.engine === 'openai')).toBe(false);
  });
});

describe.each([
  ['espeak:en-us', 'espeak'],
  ['flite:slt', 'flite'],
  ['festival:cmu_us_slt_arctic_hts', 'festival'],
])('%s', (voice, engine) => {
  it('narrates a render with captions timed to its audio', async () => {
    const result = await render({
      video: { source: corpus.noAudio },
      script: { text: 'Testing this voice. It has two sentences.' },
      voice: { id: voice },
    });
    const manifest = expectOk(result);
    expect(manifest.voice.engine).toBe(engine);
    const words = JSON.parse(await readFile(join(result.outDir, 'words.json'), 'utf8')) as {
      duration: number;
      segments: Array<{ start: number; end: number }>;
    };
    expect(words.segments).toHaveLength(2);
    expect(words.segments[1]!.start).toBeGreaterThan(words.segments[0]!.end);
    expect(words.duration).toBeGreaterThan(words.segments[1]!.end);
  });

  it('speaks faster at a higher rate', async () => {
    const catalogue = VoiceCatalogue.standard();
    const { voice: v, engine: e } = await catalogue.resolve(voice);
    const text = 'The quick brown fox jumps over the lazy dog.';
    const slow = await e.synthesize({ text, voice: v, rate: 0.8, pitch: 50 });
    const fast = await e.synthesize({ text, voice: v, rate: 1.6, pitch: 50 });
    expect(fast.pcm.samples.length / fast.pcm.sampleRate).toBeLessThan(
      (slow.pcm.samples.length / slow.pcm.sampleRate) * 0.85,
    );
  });
});

describe('OpenAI-compatible speech server', () => {
  it('renders through the server, sending each segment with model, voice, speed and key', async () => {
    requests.length = 0;
    const dir = await mkdtemp(join(tmpdir(), 'cutline-openai-'));
    const spec = join(dir, 'spec.json');
    await writeFile(
      spec,
      JSON.stringify({
        version: 1,
        video: { source: corpus.noAudio },
        script: { text: 'First sentence from the server. Second sentence.' },
        voice: { id: 'openai:nova', rate: 1.25, openai: { baseUrl, model: 'kokoro-tts' } },
        maxResolution: 480,
        encoding: { preset: 'superfast' },
        output: { destination: join(dir, 'out') },
      }),
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    stdout.resume();
    const code = await main(['--spec', spec, '--events', 'none'], {
      stdout,
      stderr,
      env: { PATH: process.env.PATH ?? '', CUTLINE_OPENAI_API_KEY: 'sk-test-123' },
    });
    expect(code, err).toBe(0);
    expect(requests.map((r) => r.body.input)).toEqual(['First sentence from the server.', 'Second sentence.']);
    for (const r of requests) {
      expect(r.auth).toBe('Bearer sk-test-123');
      expect(r.body).toMatchObject({ model: 'kokoro-tts', voice: 'nova', response_format: 'wav', speed: 1.25 });
    }
  });

  it('maps a 4xx from the server to a non-retryable error', async () => {
    const { OpenAiSpeechEngine } = await import('../../render-job/src/tts/openai.js');
    const engine = new OpenAiSpeechEngine({ baseUrl, model: 'tts-1' });
    const voice = {
      id: 'openai:nonexistent',
      engine: 'openai' as const,
      name: 'nonexistent',
      language: 'en',
      label: 'x',
      gender: 'neutral' as const,
      sampleText: '',
    };
    await expect(engine.synthesize({ text: 'hi', voice, rate: 1, pitch: 50 })).rejects.toMatchObject({
      code: 'CUTLINE_VOICE_UNKNOWN',
      retryable: false,
    });
  });

  it('reports an unreachable server as transient', async () => {
    const { OpenAiSpeechEngine } = await import('../../render-job/src/tts/openai.js');
    const engine = new OpenAiSpeechEngine({ baseUrl: 'http://127.0.0.1:9', model: 'tts-1' });
    const voice = {
      id: 'openai:alloy',
      engine: 'openai' as const,
      name: 'alloy',
      language: 'en',
      label: 'x',
      gender: 'neutral' as const,
      sampleText: '',
    };
    await expect(engine.synthesize({ text: 'hi', voice, rate: 1, pitch: 50 })).rejects.toMatchObject({
      code: 'CUTLINE_TTS_UNAVAILABLE',
      retryable: true,
    });
  });
});
