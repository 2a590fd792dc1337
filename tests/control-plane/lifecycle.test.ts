/**
 * End to end on the embedded default: register → upload → render (a real render-job child
 * process) → state events in order → download → a valid MP4; failures refund, cancels stop.
 */
import { OutputsRepository } from '../../control-plane/src/repositories/outputs-repository.js';
import { RetentionRepository } from '../../control-plane/src/repositories/retention-repository.js';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../fixture/ports.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import { bearer, METRICS_TOKEN, register, startApp, type Account, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let corpus: Record<CorpusName, string>;

async function uploadVideo(account: Account, file: string): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=clip.mp4',
    headers: { ...bearer(account.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(file),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

async function waitForState(
  account: Account,
  id: string,
  states: string[],
  timeoutMs = 90_000,
): Promise<{ state: string; progress: number; error: { code: string } | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const render = (
      await t.app.inject({ method: 'GET', url: `/v1/renders/${id}`, headers: bearer(account.accessToken) })
    ).json<{ state: string; progress: number; error: { code: string } | null }>();
    if (states.includes(render.state)) return render;
    if (Date.now() > deadline) throw new Error(`render ${id} stuck in ${render.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function outboxStates(renderId: string): Promise<string[]> {
  const rows = await t.db.outboxEvent.findMany({
    where: { subject: `cutline.renders.${renderId}.state` },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => (r.payload as { state: string }).state);
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  t = await startApp(
    services.postgresUrl,
    { CUTLINE_AUTH_RATE_LIMIT: '10000' },
    { free: { rendersPerMonth: 10 } },
    { workers: 1 },
  );
});
afterAll(() => t?.close());

interface SseEvent {
  id?: string;
  event: string;
  data: { state?: string; progress?: number; eventId?: number };
}

/** Reads Server-Sent Events until `until` says stop (or the time runs out). */
async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 90_000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
        );
        if (fields.data)
          events.push({
            ...(fields.id ? { id: fields.id } : {}),
            event: fields.event ?? 'message',
            data: JSON.parse(fields.data) as SseEvent['data'],
          });
      }
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('render lifecycle on the embedded default', () => {
  it('streams state and progress over SSE in order, and resumes from Last-Event-ID', async () => {
    const account = await register(t.app, 'Sse');
    const assetId = await uploadVideo(account, corpus.oneSecond);
    const id = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: { assetId, script: 'Watching this render live.', maxResolution: 480 },
      })
    ).json<{ id: string }>().id;
    const finished = (events: SseEvent[]) =>
      events.some((e) => e.event === 'state' && ['succeeded', 'failed'].includes(e.data.state ?? ''));
    const live = await readSse(`${t.baseUrl}/v1/renders/${id}/events`, bearer(account.accessToken), finished);
    const states = live.filter((e) => e.event === 'state');
    expect(states.map((e) => e.data.state)).toEqual(['queued', 'admitted', 'running', 'succeeded']);
    const ids = states.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const progress = live.filter((e) => e.event === 'progress').map((e) => e.data.progress ?? 0);
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);

    // A client that saw up to "admitted" reconnects: it gets exactly what it missed.
    const resumed = await readSse(
      `${t.baseUrl}/v1/renders/${id}/events`,
      { ...bearer(account.accessToken), 'last-event-id': String(ids[1]) },
      finished,
    );
    expect(resumed.filter((e) => e.event === 'state').map((e) => e.data.state)).toEqual(['running', 'succeeded']);

    // The organization stream replays the same render's history too; another organization sees none of it.
    const org = await readSse(`${t.baseUrl}/v1/events`, bearer(account.accessToken), finished);
    expect(org.filter((e) => e.event === 'state').map((e) => e.data.state)).toEqual([
      'queued',
      'admitted',
      'running',
      'succeeded',
    ]);
    const stranger = await register(t.app, 'Stranger');
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/renders/${id}/events`, headers: bearer(stranger.accessToken) }))
        .statusCode,
    ).toBe(404);
  });

  it('renders, records outputs, commits quota, and serves a download link to a valid MP4', async () => {
    const account = await register(t.app, 'E2E');
    const assetId = await uploadVideo(account, corpus.oneSecond);
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(account.accessToken),
      payload: { assetId, script: 'Hello from the whole pipeline.', maxResolution: 480, title: 'My Launch Video!' },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const id = submitted.json<{ id: string }>().id;
    const done = await waitForState(account, id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'succeeded', progress: 1, error: null });
    expect(await outboxStates(id)).toEqual(['queued', 'admitted', 'running', 'succeeded']);

    const outputs = (
      await t.app.inject({ method: 'GET', url: `/v1/renders/${id}/outputs`, headers: bearer(account.accessToken) })
    ).json<Array<{ kind: string; aspect: string | null; url: string; width: number }>>();
    expect(outputs.map((o) => o.kind).sort()).toEqual(['srt', 'thumbnail', 'video', 'vtt', 'words']);
    const video = outputs.find((o) => o.kind === 'video')!;
    expect(video).toMatchObject({ aspect: '9:16', width: 480 });
    const response = await fetch(video.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('my-launch-video-9x16.mp4');
    const file = join(await mkdtemp(join(tmpdir(), 'cutline-dl-')), 'video.mp4');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' }),
    ) as { streams: Array<{ codec_name: string }> };
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period).toMatchObject({ rendersReserved: 0, rendersCommitted: 1 });
    expect(period!.renderedSeconds).toBeGreaterThan(1);

    // Delete-after-download: the files go at once, objects and records.
    const outputRows = await t.db.renderOutput.findMany({ where: { renderId: id } });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/renders/${id}/outputs`, headers: bearer(account.accessToken) }))
        .statusCode,
    ).toBe(204);
    for (const o of outputRows) expect(await t.store.stat(o.objectKey)).toBeUndefined();
    expect(
      (
        await t.app.inject({ method: 'GET', url: `/v1/renders/${id}/outputs`, headers: bearer(account.accessToken) })
      ).json(),
    ).toEqual([]);
    expect((await fetch(video.url)).status).toBe(404);

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) })).body;
    expect(metrics).toMatch(/cutline_renders\{state="succeeded",tier="free"\} [1-9]/);
    expect(metrics).toMatch(/cutline_render_duration_seconds_count\{tier="free"\} [1-9]/);
    expect(metrics).toMatch(/cutline_render_realtime_factor_count\{tier="free"\} [1-9]/);
    expect(metrics).toContain('cutline_queue_depth');
  });

  it('fails a render whose input is bad without retrying, and refunds its quota', async () => {
    const account = await register(t.app, 'Fail');
    const assetId = await uploadVideo(account, corpus.oneSecond);
    // The stored file goes missing before the render runs (say, swept): bad input, exit 2.
    const asset = await t.db.asset.findUnique({ where: { id: assetId } });
    await t.store.delete(asset!.objectKey);
    const id = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: { assetId, script: 'This will not render.' },
      })
    ).json<{ id: string }>().id;
    const done = await waitForState(account, id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'CUTLINE_INPUT_NOT_FOUND' } });
    expect((await t.db.render.findUnique({ where: { id } }))!.attempts).toBe(1);
    expect(await outboxStates(id)).toEqual(['queued', 'admitted', 'running', 'failed']);
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period).toMatchObject({ rendersReserved: 0, rendersCommitted: 0 });
    expect(
      (
        await t.app.inject({ method: 'GET', url: `/v1/renders/${id}/outputs`, headers: bearer(account.accessToken) })
      ).json(),
    ).toEqual([]);
  });

  it('stops a running render when it is canceled, leaving no outputs and refunding quota', async () => {
    const account = await register(t.app, 'Stop');
    const assetId = await uploadVideo(account, corpus.h264Landscape);
    const id = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: {
          assetId,
          script: 'A longer narration that keeps the encoder busy for a while. '.repeat(3),
          formats: ['9:16', '1:1', '16:9'],
        },
      })
    ).json<{ id: string }>().id;
    await waitForState(account, id, ['running']);
    const canceled = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${id}/cancel`,
      headers: bearer(account.accessToken),
    });
    expect(canceled.json()).toMatchObject({ state: 'canceled' });
    // The process is stopped: the render never turns into a success afterwards.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('canceled');
    expect(await t.db.renderOutput.count({ where: { renderId: id } })).toBe(0);
    const period = await t.db.usagePeriod.findFirst({ where: { organizationId: account.organizationId } });
    expect(period).toMatchObject({ rendersReserved: 0, rendersCommitted: 0 });
  });
});

describe('retention', () => {
  it('the sweeper deletes expired outputs and uploads (objects and records), and expires the render', async () => {
    const { Sweeper } = await import('../../control-plane/src/workers/sweeper.js');
    const account = await register(t.app, 'Sweep');
    const assetId = await uploadVideo(account, corpus.oneSecond);
    const id = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(account.accessToken),
        payload: { assetId, script: 'Here today, gone tomorrow.', maxResolution: 480 },
      })
    ).json<{ id: string }>().id;
    expect((await waitForState(account, id, ['succeeded', 'failed'])).state).toBe('succeeded');
    const outputs = await t.db.renderOutput.findMany({ where: { renderId: id } });
    const asset = await t.db.asset.findUnique({ where: { id: assetId } });
    for (const o of outputs) expect(await t.store.stat(o.objectKey)).toBeDefined();

    // Nothing is due yet.
    const sweeper = new Sweeper(new RetentionRepository(t.db), new OutputsRepository(t.db), t.store, t.lifecycle);
    const early = await sweeper.sweep(new Date());
    expect(early.outputsDeleted).toBe(0);

    // The free plan keeps files one day: two days later everything is gone. (Only published
    // events are pruned: the relay sends the render's last one first.)
    await waitFor(
      async () =>
        (await t.db.outboxEvent.count({ where: { subject: `cutline.renders.${id}.state`, publishedAt: null } })) === 0,
      'the relay to publish the render’s events',
      10_000,
    );
    const later = new Date(Date.now() + 2 * 86_400_000);
    const result = await sweeper.sweep(later);
    expect(result.outputsDeleted).toBeGreaterThanOrEqual(outputs.length);
    for (const o of outputs) expect(await t.store.stat(o.objectKey)).toBeUndefined();
    expect(await t.store.stat(asset!.objectKey)).toBeUndefined();
    expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('expired');
    expect(await t.db.asset.findUnique({ where: { id: assetId } })).toMatchObject({ status: 'expired' });
    expect(
      (
        await t.app.inject({ method: 'GET', url: `/v1/renders/${id}/outputs`, headers: bearer(account.accessToken) })
      ).json(),
    ).toEqual([]);
    // Published events older than the replay window are pruned; one not yet published stays.
    expect(result.eventsPruned).toBeGreaterThan(0);
    expect(
      await t.db.outboxEvent.count({
        where: { subject: `cutline.renders.${id}.state`, payload: { path: ['state'], equals: 'succeeded' } },
      }),
    ).toBe(0);
    // Held locked, so the running relay (SKIP LOCKED) cannot publish it during the sweeps. The
    // relay may publish it between its insert and the lock: then another one is tried.
    let checked = false;
    for (let attempt = 0; attempt < 5 && !checked; attempt++) {
      const pending = await t.db.outboxEvent.create({
        data: { subject: 'cutline.test.pending', payload: {}, createdAt: new Date(Date.now() - 3 * 86_400_000) },
      });
      await t.db.$transaction(async (tx) => {
        const [locked] = await tx.$queryRaw<
          Array<{ published: boolean }>
        >`SELECT published_at IS NOT NULL AS published FROM outbox_events WHERE id = ${pending.id} FOR UPDATE`;
        if (locked?.published !== false) return;
        // Two sweepers never work at once; a second pass finds nothing left.
        const [a, b] = await Promise.all([sweeper.sweep(later), sweeper.sweep(later)]);
        expect(a.outputsDeleted + b.outputsDeleted).toBe(0);
        expect(await t.db.outboxEvent.findUnique({ where: { id: pending.id } })).toMatchObject({ publishedAt: null });
        checked = true;
      });
    }
    expect(checked).toBe(true);
  });
});

describe('direct uploads', () => {
  async function direct(account: Account, file: string, contentType = 'video/mp4') {
    const body = await readFile(file);
    const started = await t.app.inject({
      method: 'POST',
      url: '/v1/assets/uploads',
      headers: bearer(account.accessToken),
      payload: { kind: 'video', filename: 'direct.mp4', contentType, sizeBytes: body.length },
    });
    expect(started.statusCode, started.body).toBe(201);
    const { asset, upload } = started.json<{
      asset: { id: string; status: string };
      upload: { url: string; headers: Record<string, string> };
    }>();
    expect(asset.status).toBe('uploading');
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
    expect(put.status).toBe(200);
    return {
      id: asset.id,
      complete: () =>
        t.app.inject({ method: 'POST', url: `/v1/assets/${asset.id}/complete`, headers: bearer(account.accessToken) }),
    };
  }

  it('uploads straight to storage, then probes on completion', async () => {
    const account = await register(t.app, 'Direct');
    const upload = await direct(account, corpus.vp9Square);
    const completed = await upload.complete();
    expect(completed.json()).toMatchObject({ status: 'ready', width: 720, height: 720, videoCodec: 'vp9' });
    expect((await upload.complete()).statusCode).toBe(409);
  });

  it('rejects and deletes a direct upload that is not a video', async () => {
    const account = await register(t.app, 'DirectBad');
    const upload = await direct(account, corpus.textAsMp4);
    const completed = await upload.complete();
    expect([completed.statusCode, completed.json<{ error: { code: string } }>().error.code]).toEqual([
      422,
      'CUTLINE_INPUT_NOT_VIDEO',
    ]);
    const asset = await t.db.asset.findUnique({ where: { id: upload.id } });
    expect(asset!.status).toBe('rejected');
    expect(await t.store.stat(asset!.objectKey)).toBeUndefined();
  });

  it('uploads a large file in parts, resumes after an interruption, and probes the joined file', async () => {
    const account = await register(t.app, 'Multipart');
    const body = await readFile(corpus.noisy);
    const auth = bearer(account.accessToken);
    const started = await t.app.inject({
      method: 'POST',
      url: '/v1/assets/uploads',
      headers: auth,
      payload: {
        kind: 'video',
        filename: 'big.mp4',
        contentType: 'video/mp4',
        sizeBytes: body.length,
        multipart: true,
      },
    });
    expect(started.statusCode, started.body).toBe(201);
    const { asset, upload } = started.json<{
      asset: { id: string };
      upload: { method: string; partSize: number; partCount: number };
    }>();
    expect(upload).toMatchObject({
      method: 'multipart',
      partSize: 5 * 1024 * 1024,
      partCount: Math.ceil(body.length / (5 * 1024 * 1024)),
    });
    expect(upload.partCount).toBeGreaterThanOrEqual(2);
    const partBody = (n: number) => body.subarray((n - 1) * upload.partSize, n * upload.partSize);
    const sendParts = async (numbers: number[]) => {
      const links = await t.app.inject({
        method: 'POST',
        url: `/v1/assets/${asset.id}/parts`,
        headers: auth,
        payload: { partNumbers: numbers },
      });
      expect(links.statusCode, links.body).toBe(200);
      for (const part of links.json<{ parts: Array<{ partNumber: number; url: string }> }>().parts) {
        expect((await fetch(part.url, { method: 'PUT', body: partBody(part.partNumber) })).status).toBe(200);
      }
    };
    const complete = () => t.app.inject({ method: 'POST', url: `/v1/assets/${asset.id}/complete`, headers: auth });

    // The connection drops after the first part: completing now names what is missing.
    await sendParts([1]);
    const early = await complete();
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({
      error: {
        code: 'CUTLINE_UPLOAD_INCOMPLETE',
        details: expect.arrayContaining([{ field: 'parts[2]', message: 'missing' }]),
      },
    });

    // Resuming: ask what arrived, send the rest.
    const progress = (await t.app.inject({ method: 'GET', url: `/v1/assets/${asset.id}/parts`, headers: auth })).json<{
      uploaded: Array<{ partNumber: number; bytes: number }>;
    }>();
    expect(progress.uploaded.map((p) => [p.partNumber, p.bytes])).toEqual([[1, upload.partSize]]);
    const beyond = await t.app.inject({
      method: 'POST',
      url: `/v1/assets/${asset.id}/parts`,
      headers: auth,
      payload: { partNumbers: [upload.partCount + 1] },
    });
    expect([beyond.statusCode, beyond.json<{ error: { code: string } }>().error.code]).toEqual([
      400,
      'CUTLINE_VALIDATION_FAILED',
    ]);
    const missing = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter(
      (n) => !progress.uploaded.some((p) => p.partNumber === n),
    );
    await sendParts(missing);

    const completed = await complete();
    expect(completed.statusCode, completed.body).toBe(200);
    expect(completed.json()).toMatchObject({
      status: 'ready',
      sizeBytes: body.length,
      width: 640,
      height: 360,
      videoCodec: 'h264',
    });
    const stored = await t.db.asset.findUnique({ where: { id: asset.id } });
    expect(stored!.multipartUpload).toBeNull();
    const copy: Buffer[] = [];
    for await (const chunk of await t.store.get(stored!.objectKey)) copy.push(chunk as Buffer);
    expect(Buffer.concat(copy).equals(body)).toBe(true);
    const afterwards = await t.app.inject({ method: 'GET', url: `/v1/assets/${asset.id}/parts`, headers: auth });
    expect(afterwards.statusCode).toBe(409);
  });

  it('refuses a declared size over the plan before issuing a link', async () => {
    const account = await register(t.app, 'DirectBig');
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/assets/uploads',
      headers: bearer(account.accessToken),
      payload: { kind: 'video', filename: 'huge.mp4', contentType: 'video/mp4', sizeBytes: 100 * 1024 ** 3 },
    });
    expect(response.statusCode).toBe(413);
  });
});

describe('batch downloads', () => {
  it('streams every finished video of a batch as one ZIP', async () => {
    const account = await register(t.app, 'Zip');
    await t.db.organization.update({ where: { id: account.organizationId }, data: { plan: 'pro' } });
    const assetId = await uploadVideo(account, corpus.oneSecond);
    const csv = `title,script,video,formats\nFirst,One.,${assetId},9:16\nSecond,Two.,${assetId},9:16 1:1\n`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(account.accessToken), 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { batchId, renderIds } = created.json<{ batchId: string; renderIds: string[] }>();
    for (const id of renderIds)
      expect((await waitForState(account, id, ['succeeded', 'failed'])).state).toBe('succeeded');
    const response = await fetch(`${t.baseUrl}/v1/batches/${batchId}/zip`, { headers: bearer(account.accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const file = join(await mkdtemp(join(tmpdir(), 'cutline-zip-')), 'batch.zip');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const listing = execFileSync(
      'python3',
      [
        '-c',
        'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(listing.trim().split('\n')).toEqual([
      '001-First-video-9x16.mp4',
      '002-Second-video-1x1.mp4',
      '002-Second-video-9x16.mp4',
    ]);
  });
});
