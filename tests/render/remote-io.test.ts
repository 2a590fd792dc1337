/**
 * Inputs from MinIO and http(s), outputs to MinIO, events on NATS — against the real servers
 * from the fixture.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NatsSink } from '../../render-job/src/events/nats-sink.js';
import type { RenderEvent } from '@cutline/render-job';
import { freshBucket, s3Client, uniqueName } from '../fixture/helpers.js';
import { ensureCorpus, type CorpusName } from './corpus.js';
import { expectOk, render } from './render-helper.js';

const services = inject('services');
let corpus: Record<CorpusName, string>;
let s3: Client;
let nc: NatsConnection;
let server: Server;
let baseUrl: string;

async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of s3.listObjectsV2(bucket, prefix, true)) keys.push((item as { name: string }).name);
  return keys.sort();
}

beforeAll(async () => {
  corpus = await ensureCorpus();
  s3 = s3Client(services.s3);
  nc = await connect({ servers: services.natsUrl });
  // A small static file server for http(s) inputs; /huge claims a size over any limit.
  server = createServer((req, res) => {
    const files: Record<string, string> = { '/video.mp4': corpus.oneSecond, '/logo.png': corpus.logo };
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-length': String(50 * 1024 ** 3) });
      res.end();
      return;
    }
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    void stat(file).then((info) => {
      res.writeHead(200, { 'content-length': String(info.size) });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await nc?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('object storage and events', () => {
  it('reads from MinIO and http, writes to MinIO, publishes progress and state on NATS in order', async () => {
    const bucket = await freshBucket(s3, 'render');
    await s3.fPutObject(bucket, 'uploads/source.mp4', corpus.h264Landscape);
    const renderId = uniqueName('r').replace(/_/g, '-');
    const jsm = await jetstreamManager(nc);
    const stream = uniqueName('RENDERS');
    await jsm.streams.add({ name: stream, subjects: [`cutline.renders.${renderId}.state`] });

    const received: RenderEvent[] = [];
    const subscription = nc.subscribe(`cutline.renders.${renderId}.>`);
    const collecting = (async () => {
      for await (const message of subscription) {
        const event = message.json<RenderEvent>();
        received.push(event);
        if (event.type === 'state' && event.state !== 'running') break;
      }
    })();

    const sink = await NatsSink.connect(services.natsUrl);
    const result = await render(
      {
        id: renderId,
        video: { source: `s3://${bucket}/uploads/source.mp4` },
        logo: { source: `${baseUrl}/logo.png` },
        script: { text: 'Rendered from object storage, with a logo fetched over HTTP.' },
        formats: ['9:16', '1:1'],
        output: { destination: `s3://${bucket}/renders/${renderId}/` },
      },
      { s3, events: sink },
    );
    await sink.close();
    await collecting;
    const manifest = expectOk(result);

    expect(await listKeys(bucket, `renders/${renderId}/`)).toEqual(
      [
        'captions.srt',
        'captions.vtt',
        'manifest.json',
        'thumbnail.jpg',
        'video-1x1.mp4',
        'video-9x16.mp4',
        'words.json',
      ].map((n) => `renders/${renderId}/${n}`),
    );
    expect(manifest.videos.map((v) => v.uri)).toEqual([
      `s3://${bucket}/renders/${renderId}/video-9x16.mp4`,
      `s3://${bucket}/renders/${renderId}/video-1x1.mp4`,
    ]);
    const stored = await s3.statObject(bucket, `renders/${renderId}/video-9x16.mp4`);
    expect(stored.metaData['content-type']).toBe('video/mp4');

    // Events: running first, progress rising to 1, succeeded last with the manifest.
    expect(received[0]).toMatchObject({ type: 'state', state: 'running' });
    expect(received.at(-1)).toMatchObject({ type: 'state', state: 'succeeded', manifest: { renderId } });
    const progress = received.filter((e) => e.type === 'progress').map((e) => e.progress);
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    // State transitions went through JetStream: durable, deduplicated by message id.
    expect((await jsm.streams.info(stream)).state.messages).toBe(2);
  });

  it('leaves nothing in the bucket when the render fails', async () => {
    const bucket = await freshBucket(s3, 'fail');
    await s3.fPutObject(bucket, 'uploads/bad.mp4', corpus.textAsMp4);
    const result = await render(
      {
        video: { source: `s3://${bucket}/uploads/bad.mp4` },
        script: { text: 'Nope.' },
        output: { destination: `s3://${bucket}/renders/x/` },
      },
      { s3 },
    );
    expect(result.outcome.ok).toBe(false);
    expect(await listKeys(bucket, 'renders/')).toEqual([]);
  });

  it('reports an upload failure as retryable and leaves no partial outputs', async () => {
    const result = await render(
      {
        video: { source: corpus.oneSecond },
        script: { text: 'Where does this go?' },
        output: { destination: `s3://no-such-bucket-${Date.now()}/renders/x/` },
      },
      { s3 },
    );
    expect(result.outcome.ok).toBe(false);
    if (!result.outcome.ok) {
      expect(result.outcome.error.code).toBe('CUTLINE_OUTPUT_UPLOAD_FAILED');
      expect(result.outcome.error.exitCode).toBe(1);
    }
  });

  it.each([
    ['s3 object missing', () => `s3://missing-${Date.now()}/nothing.mp4`, 'CUTLINE_INPUT_NOT_FOUND'],
    ['http 404', () => `${baseUrl}/nothing.mp4`, 'CUTLINE_INPUT_NOT_FOUND'],
    ['http body over the size limit', () => `${baseUrl}/huge`, 'CUTLINE_INPUT_TOO_LARGE'],
  ])('%s → %s', async (_label, source, code) => {
    const result = await render({ video: { source: source() }, script: { text: 'Hello.' } }, { s3 });
    expect(result.outcome.ok ? 'ok' : result.outcome.error.code).toBe(code);
  });

  it('renders from an http URL', async () => {
    const result = await render({ video: { source: `${baseUrl}/video.mp4` }, script: { text: 'Fetched over HTTP.' } });
    expect(expectOk(result).source.durationSeconds).toBeCloseTo(1, 0);
  });
});
