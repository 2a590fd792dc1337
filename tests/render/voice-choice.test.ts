/**
 * `voice: "auto"` picks a voice of the script's language (neural where one is installed), and
 * the API refuses an explicit voice that cannot read the script's writing system (issue 22).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { VoiceCatalogue } from '@cutline/render-job';
import { bearer, errorCode, register, startApp, type TestApp, uploadVideo } from '../control-plane/app-helper.js';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { expectOk, render } from './render-helper.js';

const services = inject('services');
const JAPANESE = 'これは新しい製品の紹介ビデオです。今日から誰でも使えます。';
const ARABIC = 'مرحبا بكم في هذا الفيديو القصير عن منتجنا الجديد';
const FRENCH = 'Bonjour à tous, voici une vidéo narrée pour notre nouveau produit.';
const ENGLISH = 'Welcome to the launch of our new product, made for creators.';
let corpus: Record<CorpusName, string>;
let t: TestApp;

beforeAll(async () => {
  corpus = await ensureCorpus();
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
});
afterAll(() => t?.close());

describe('voice: auto', () => {
  it('picks a voice of the script’s language, neural first', async () => {
    const catalogue = VoiceCatalogue.standard();
    const chosen = async (text: string) => (await catalogue.choose(text)).voice.id;
    expect(await chosen(JAPANESE)).toBe('espeak:ja');
    expect(await chosen(ARABIC)).toBe('espeak:ar');
    expect(await chosen(FRENCH)).toBe('espeak:fr-fr');
    expect(await chosen(ENGLISH)).toBe('piper:en_US-joe-medium');
  });

  it('renders a Japanese script with a Japanese voice, and a mixed one by its majority, saying so', async () => {
    const japanese = expectOk(
      await render({ video: { source: corpus.oneSecond }, script: { text: JAPANESE }, voice: { id: 'auto' } }),
    );
    expect(japanese.voice).toMatchObject({
      id: 'espeak:ja',
      detected: { language: 'ja', writingSystem: 'japanese', mixed: false },
    });
    const mixed = expectOk(
      await render({
        video: { source: corpus.oneSecond },
        script: { text: `${JAPANESE} Welcome to our launch today!` },
        voice: { id: 'auto' },
      }),
    );
    expect(mixed.voice).toMatchObject({ id: 'espeak:ja', detected: { language: 'ja', mixed: true } });
  });

  it('tells the New video page the script’s language, the automatic voice and the voices to suggest', async () => {
    const { accessToken } = await register(t.app, 'Matcher');
    const match = async (script: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/voices/match',
          headers: bearer(accessToken),
          payload: { script },
        })
      ).json<{
        detected: { language: string; mixed: boolean };
        voice: { id: string; neural: boolean };
        suggestions: Array<{ id: string; language: string; neural: boolean }>;
      }>();
    const english = await match('The quick brown fox jumps over the lazy dog, and then it rests for a while.');
    expect(english.detected.language).toBe('en');
    expect(english.voice).toMatchObject({ id: 'piper:en_US-joe-medium', neural: true });
    expect(english.suggestions[0]!.neural).toBe(true);
    expect(english.suggestions.every((v) => v.language.toLowerCase().startsWith('en'))).toBe(true);
    const japanese = await match('今日はとても良い天気ですね。散歩に行きましょう。');
    expect(japanese.detected.language).toBe('ja');
    expect(japanese.voice.id).toMatch(/^espeak:ja/);
    // "Hear sample" for the neural voice: a WAV of its sample sentence, a second or more long.
    const sample = await t.app.inject({
      method: 'GET',
      url: `/v1/voices/${encodeURIComponent('piper:en_US-joe-medium')}/sample`,
      headers: bearer(accessToken),
    });
    expect(sample.statusCode).toBe(200);
    expect(sample.headers['content-type']).toBe('audio/wav');
    expect(sample.rawPayload.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(sample.rawPayload.length).toBeGreaterThan(22_050 * 2);
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/voices/match',
      headers: bearer(accessToken),
      payload: { script: '   ' },
    });
    expect(empty.statusCode).toBe(422);
    expect(errorCode(empty)).toBe('CUTLINE_SCRIPT_EMPTY');
  });

  it('the API refuses an English voice for a Japanese script, naming one that can read it', async () => {
    const owner = await register(t.app, 'Voices');
    const asset = await uploadVideo(t.app, owner.accessToken);
    const submit = (voice?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(owner.accessToken),
        payload: { assetId: asset, script: JAPANESE, ...(voice ? { voice } : {}) },
      });
    const refused = await submit('espeak:en-us');
    expect([refused.statusCode, errorCode(refused)]).toEqual([422, 'CUTLINE_VOICE_LANGUAGE_MISMATCH']);
    expect(refused.json<{ error: { message: string; details: Array<{ field: string }> } }>().error).toMatchObject({
      message: expect.stringContaining('espeak:ja'),
      details: [{ field: 'voice' }],
    });
    expect((await submit('auto')).statusCode).toBe(201);
    expect((await submit('espeak:ja')).statusCode).toBe(201);
  });
});
