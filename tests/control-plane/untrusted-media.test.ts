/**
 * Uploads are hostile (issue 20, findings 1–3): playlists that name other files or URLs are no
 * media, ffmpeg never follows a URL an upload names, upload links die with the upload and take
 * only the declared length, and previews run in a small bounded pool with failures kept.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ASPECTS, CAPTION_STYLES, PREVIEW_SIZES } from '@cutline/render-job';
import {
  assetObjectKey,
  assetPosterKey,
  assetUploadKey,
} from '../../control-plane/src/repositories/assets-repository.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import { ensureReframeCorpus, isYellow } from '../render/reframe-corpus.js';
import { bearer, errorCode, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let corpus: Record<CorpusName, string>;
let dir: string;
/** A receiver that counts every request: none may arrive. */
let receiver: Server;
const received: string[] = [];
let receiverUrl: string;

beforeAll(async () => {
  corpus = await ensureCorpus();
  dir = await mkdtemp(join(tmpdir(), 'cutline-hostile-'));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=320x240:d=2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-f',
    'mpegts',
    join(dir, 'segment.ts'),
  ]);
  const segment = await readFile(join(dir, 'segment.ts'));
  receiver = createServer((request, response) => {
    received.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'video/mp2t' }).end(segment);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000', CUTLINE_PREVIEW_RATE_LIMIT: '10000' },
    {},
    { listen: true },
  );
});
afterAll(async () => {
  await t?.close();
  receiver?.close();
});

/** ffmpeg processes running on this machine now (the suite runs one test file at a time). */
async function ffmpegProcesses(): Promise<number> {
  const names = await Promise.all(
    (await readdir('/proc'))
      .filter((d) => /^\d+$/.test(d))
      .map((pid) => readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')),
  );
  return names.filter((name) => name.trim() === 'ffmpeg').length;
}

function playlist(segments: string[]): string {
  return [
    '#EXTM3U',
    '#EXT-X-TARGETDURATION:2',
    ...segments.flatMap((s) => ['#EXTINF:2,', s]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

async function upload(account: Account, body: Buffer | string, kind = 'video') {
  return t.app.inject({
    method: 'POST',
    url: `/v1/assets?kind=${kind}&filename=clip.mp4`,
    headers: { ...bearer(account.accessToken), 'content-type': 'video/mp4' },
    payload: body,
  });
}

async function startDirect(account: Account, sizeBytes: number) {
  const started = await t.app.inject({
    method: 'POST',
    url: '/v1/assets/uploads',
    headers: bearer(account.accessToken),
    payload: { kind: 'video', filename: 'direct.mp4', contentType: 'video/mp4', sizeBytes },
  });
  expect(started.statusCode, started.body).toBe(201);
  const { asset, upload: link } = started.json<{
    asset: { id: string };
    upload: { url: string; headers: Record<string, string> };
  }>();
  return {
    id: asset.id,
    put: (body: Buffer) => fetch(link.url, { method: 'PUT', headers: link.headers, body }),
    complete: () =>
      t.app.inject({ method: 'POST', url: `/v1/assets/${asset.id}/complete`, headers: bearer(account.accessToken) }),
  };
}

async function objectBytes(key: string): Promise<Buffer | undefined> {
  if (!(await t.store.stat(key))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await t.store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('media intake', () => {
  it('refuses a playlist that names local files, and one that names URLs, as no media', async () => {
    const account = await register(t.app, 'Playlist');
    for (const body of [
      playlist([join(dir, 'segment.ts')]),
      playlist([`${receiverUrl}/internal.ts`]),
      `ffconcat version 1.0\nfile ${join(dir, 'segment.ts')}\n`,
    ]) {
      const response = await upload(account, body);
      expect([response.statusCode, errorCode(response)]).toEqual([422, 'CUTLINE_INPUT_FORMAT_NOT_ALLOWED']);
    }
    const direct = await startDirect(account, Buffer.byteLength(playlist([join(dir, 'segment.ts')])));
    expect((await direct.put(Buffer.from(playlist([join(dir, 'segment.ts')])))).status).toBe(200);
    const completed = await direct.complete();
    expect([completed.statusCode, errorCode(completed)]).toEqual([422, 'CUTLINE_INPUT_FORMAT_NOT_ALLOWED']);
    expect(received).toEqual([]);
  });

  it('still takes the containers cameras and editors write', async () => {
    const account = await register(t.app, 'Containers');
    for (const file of [corpus.oneSecond, corpus.vp9Square, corpus.av1, join(dir, 'segment.ts')]) {
      const response = await upload(account, await readFile(file));
      expect([file, response.statusCode]).toEqual([file, 201]);
    }
  });

  it('never lets a preview follow a URL inside a stored file', async () => {
    // A playlist that an earlier version let through: the preview reads only a local still.
    const account = await register(t.app, 'Preview SSRF');
    const asset = await t.db.asset.create({
      data: {
        id: crypto.randomUUID(),
        organizationId: account.organizationId,
        kind: 'video',
        status: 'ready',
        filename: 'old.m3u8',
        contentType: 'video/mp4',
        objectKey: '',
        durationSeconds: 4,
        width: 320,
        height: 240,
      },
    });
    const key = assetObjectKey(account.organizationId, asset.id);
    await t.db.asset.update({ where: { id: asset.id }, data: { objectKey: key } });
    await t.store.put(key, Readable.from([Buffer.from(playlist([`${receiverUrl}/a.ts`, `${receiverUrl}/b.ts`]))]), {
      contentType: 'video/mp4',
      maxBytes: 1e6,
    });
    const preview = await t.app.inject({
      method: 'GET',
      url: `/v1/assets/${asset.id}/caption-preview?style=clean&aspect=9:16`,
      headers: bearer(account.accessToken),
    });
    expect(preview.statusCode).toBe(422);
    expect(received).toEqual([]);
  });
});

describe('upload links', () => {
  it('stop writing once the upload is checked: the checked file stays what was checked', async () => {
    const account = await register(t.app, 'Overwrite');
    const video = await readFile(corpus.oneSecond);
    const direct = await startDirect(account, video.length);
    expect((await direct.put(video)).status).toBe(200);
    expect((await direct.complete()).json()).toMatchObject({ status: 'ready' });
    const again = await direct.put(Buffer.alloc(video.length, 7));
    expect(again.status).toBe(403);
    expect((await objectBytes(assetObjectKey(account.organizationId, direct.id)))?.equals(video)).toBe(true);
    expect(await t.store.stat(assetUploadKey(account.organizationId, direct.id))).toBeUndefined();
    expect(await t.store.stat(assetPosterKey(account.organizationId, direct.id))).toMatchObject({
      contentType: 'image/jpeg',
    });
  });

  it('take only the declared length', async () => {
    const account = await register(t.app, 'Length');
    const direct = await startDirect(account, 10);
    expect((await direct.put(Buffer.alloc(3 * 1024 * 1024, 1))).status).toBe(403);
    expect((await direct.put(Buffer.alloc(9, 1))).status).toBe(403);
    expect(await t.store.stat(assetUploadKey(account.organizationId, direct.id))).toBeUndefined();
  });

  it('stay dead after a rejection: a second PUT does not bring the file back', async () => {
    const account = await register(t.app, 'Rejected');
    const text = await readFile(corpus.textAsMp4);
    const direct = await startDirect(account, text.length);
    expect((await direct.put(text)).status).toBe(200);
    expect((await direct.complete()).statusCode).toBe(422);
    expect((await direct.put(text)).status).toBe(403);
    for (const key of [
      assetObjectKey(account.organizationId, direct.id),
      assetUploadKey(account.organizationId, direct.id),
    ])
      expect(await t.store.stat(key)).toBeUndefined();
    expect((await t.db.asset.findUnique({ where: { id: direct.id } }))!.status).toBe('rejected');
  });
});

describe('previews', () => {
  it("show the smart crop on the frame's subject, and the centre when asked for crop", async () => {
    const reframe = await ensureReframeCorpus();
    const account = await register(t.app, 'Smart preview');
    const id = (await upload(account, await readFile(reframe.still))).json<{ id: string }>().id;
    const yellowColumns = async (fit: string) => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/assets/${id}/caption-preview?style=clean&aspect=9:16&fit=${fit}`,
        headers: bearer(account.accessToken),
      });
      expect(response.statusCode).toBe(200);
      const path = join(dir, `preview-${fit}.jpg`);
      await writeFile(path, response.rawPayload);
      const { width, height } = PREVIEW_SIZES['9:16'];
      const rgb = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      const columns = new Set<number>();
      for (let i = 0; i < width * height; i++)
        if (isYellow(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!)) columns.add(i % width);
      return columns.size;
    };
    // The subject stands right of centre: a centre crop of 9:16 misses it.
    expect(await yellowColumns('smart')).toBeGreaterThan(40);
    expect(await yellowColumns('crop')).toBe(0);
  });

  it('run one at a time per organization: a burst queues briefly, and what does not fit is refused with 429', async () => {
    const account = await register(t.app, 'Burst');
    const id = (await upload(account, await readFile(corpus.h264Landscape))).json<{ id: string }>().id;
    // Without its poster, the first preview takes the still from the video again: the burst
    // arrives while it works.
    await t.store.delete(assetPosterKey(account.organizationId, id));
    const asks = CAPTION_STYLES.flatMap((style) =>
      ASPECTS.map((aspect) => `/v1/assets/${id}/caption-preview?style=${style}&aspect=${aspect}`),
    ).slice(0, 14);
    let peak = 0;
    const sampler = setInterval(() => void ffmpegProcesses().then((n) => (peak = Math.max(peak, n))), 5);
    const responses = await Promise.all(
      asks.map((url) => t.app.inject({ method: 'GET', url, headers: bearer(account.accessToken) })),
    );
    clearInterval(sampler);
    const served = responses.filter((r) => r.statusCode === 200).length;
    const refused = responses.filter((r) => r.statusCode === 429 && errorCode(r) === 'CUTLINE_RATE_LIMITED').length;
    // One runs and eight wait (CUTLINE_PREVIEW_QUEUE_PER_ORGANIZATION); the rest are told to come back.
    expect({ answered: served + refused, servedAtLeastTheQueue: served >= 9, someRefused: refused >= 1, peak }).toEqual(
      { answered: 14, servedAtLeastTheQueue: true, someRefused: true, peak: 1 },
    );
  });

  it('keep a failure, so the same bad request does not start ffmpeg again', async () => {
    const account = await register(t.app, 'Broken');
    const asset = await t.db.asset.create({
      data: {
        id: crypto.randomUUID(),
        organizationId: account.organizationId,
        kind: 'video',
        status: 'ready',
        filename: 'broken.mp4',
        contentType: 'video/mp4',
        objectKey: 'x',
        durationSeconds: 2,
      },
    });
    const key = assetObjectKey(account.organizationId, asset.id);
    await t.db.asset.update({ where: { id: asset.id }, data: { objectKey: key } });
    await t.store.put(key, Readable.from([Buffer.from('not a video at all')]), {
      contentType: 'video/mp4',
      maxBytes: 1e6,
    });
    const ask = () =>
      t.app.inject({
        method: 'GET',
        url: `/v1/assets/${asset.id}/caption-preview?style=clean&aspect=9:16`,
        headers: bearer(account.accessToken),
      });
    expect((await ask()).statusCode).toBe(422);
    // Were it run again, this decodable video would now give a frame.
    await t.store.put(key, Readable.from([await readFile(corpus.oneSecond)]), {
      contentType: 'video/mp4',
      maxBytes: 1e8,
    });
    expect((await ask()).statusCode).toBe(422);
  });
});

describe('per-caller preview limit', () => {
  it('counts one person across addresses', async () => {
    const limited = await startApp(services.postgresUrl, {
      CUTLINE_AUTH_RATE_LIMIT: '10000',
      CUTLINE_PREVIEW_RATE_LIMIT: '3',
    });
    try {
      const account = await register(limited.app, 'Many IPs');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await limited.app.inject({
          method: 'GET',
          url: '/v1/voices/espeak:en-us/sample',
          headers: bearer(account.accessToken),
          remoteAddress: `10.0.0.${i + 1}`,
        });
        statuses.push(response.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const other = await register(limited.app, 'Someone else');
      expect(
        (
          await limited.app.inject({
            method: 'GET',
            url: '/v1/voices/espeak:en-us/sample',
            headers: bearer(other.accessToken),
            remoteAddress: '10.0.0.1',
          })
        ).statusCode,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
