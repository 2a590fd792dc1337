/**
 * One contract for the ObjectStore port, run against both adapters: the local directory
 * (embedded default) and MinIO (production).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installErrorHandler } from '../../control-plane/src/http/error-handler.js';
import { FsObjectStore } from '../../control-plane/src/storage/fs-object-store.js';
import { fsObjectRoutes } from '../../control-plane/src/storage/fs-object-routes.js';
import { MinioObjectStore } from '../../control-plane/src/storage/minio-object-store.js';
import {
  MIN_PART_BYTES,
  ObjectNotFoundError,
  ObjectTooLargeError,
  type ObjectStore,
} from '../../control-plane/src/storage/object-store.js';
import { s3Client, uniqueName } from '../fixture/helpers.js';
import { freePort } from '../fixture/ports.js';

const services = inject('services');
let server: FastifyInstance;
let fsStore: FsObjectStore;

beforeAll(async () => {
  server = Fastify();
  installErrorHandler(server);
  const root = await mkdtemp(join(tmpdir(), 'cutline-objects-'));
  const port = await freePort();
  fsStore = new FsObjectStore(root, 'signing-key-for-tests', `http://127.0.0.1:${port}`);
  await server.register(fsObjectRoutes, { store: fsStore, maxUploadBytes: 10 * 1024 * 1024 });
  await server.listen({ host: '127.0.0.1', port });
});
afterAll(() => server?.close());

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function bytes(n: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= n) return void this.push(null);
      const size = Math.min(64 * 1024, n - sent);
      sent += size;
      this.push(Buffer.alloc(size, 7));
    },
  });
}

const adapters: Array<[string, () => ObjectStore]> = [
  ['local directory', () => fsStore],
  [
    'MinIO',
    () =>
      new MinioObjectStore(s3Client(services.s3), uniqueName('objects').toLowerCase().replace(/_/g, '-'), 'us-east-1', {
        ...services.s3,
        region: 'us-east-1',
      }),
  ],
];

describe.each(adapters)('ObjectStore contract: %s', (_name, make) => {
  let store: ObjectStore;
  beforeAll(async () => {
    store = make();
    await store.ensureReady();
    await store.ensureReady(); // idempotent
  });

  it('stores a stream and reads it back with its size and type', async () => {
    const stored = await store.put('org/a/hello.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]), {
      contentType: 'text/plain',
      maxBytes: 100,
    });
    expect(stored).toEqual({ key: 'org/a/hello.txt', bytes: 11, contentType: 'text/plain' });
    expect(await text(await store.get('org/a/hello.txt'))).toBe('hello world');
    expect(await store.stat('org/a/hello.txt')).toMatchObject({ bytes: 11, contentType: 'text/plain' });
  });

  it('streams large bodies through', async () => {
    const stored = await store.put('org/a/big.bin', bytes(12 * 1024 * 1024), {
      contentType: 'application/octet-stream',
      maxBytes: 20 * 1024 * 1024,
    });
    expect(stored.bytes).toBe(12 * 1024 * 1024);
    expect((await store.stat('org/a/big.bin'))?.bytes).toBe(12 * 1024 * 1024);
  });

  it('refuses a body over the limit and keeps nothing of it', async () => {
    await expect(
      store.put('org/a/too-big.bin', bytes(7 * 1024 * 1024), {
        contentType: 'application/octet-stream',
        maxBytes: 6 * 1024 * 1024,
      }),
    ).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(await store.stat('org/a/too-big.bin')).toBeUndefined();
  });

  it('reports missing objects', async () => {
    expect(await store.stat('org/none')).toBeUndefined();
    await expect(store.get('org/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('deletes one object or a whole prefix', async () => {
    for (const k of ['p/1', 'p/2', 'p/sub/3', 'q/1'])
      await store.put(k, Readable.from([Buffer.from(k)]), { contentType: 'text/plain', maxBytes: 10 });
    await store.delete('q/1');
    expect(await store.stat('q/1')).toBeUndefined();
    expect(await store.deletePrefix('p/')).toBe(3);
    expect(await store.stat('p/sub/3')).toBeUndefined();
  });

  it('lists the names one level below a prefix', async () => {
    for (const k of ['tree/a/1', 'tree/a/2', 'tree/b/deep/3', 'tree/c', 'other/d/4'])
      await store.put(k, Readable.from([Buffer.from(k)]), { contentType: 'text/plain', maxBytes: 20 });
    expect(await store.listChildren('tree/')).toEqual(['a', 'b', 'c']);
    expect(await store.listChildren('tree/b/')).toEqual(['deep']);
    expect(await store.listChildren('none/')).toEqual([]);
  });

  it('presigned GET links download with the file name, and fail when altered or expired', async () => {
    await store.put('org/a/video.mp4', Readable.from([Buffer.from('not really a video')]), {
      contentType: 'video/mp4',
      maxBytes: 100,
    });
    const url = await store.presignGet('org/a/video.mp4', { expiresSeconds: 60, filename: 'Vidéo finale (9x16).mp4' });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('not really a video');
    expect(response.headers.get('content-disposition')).toContain("filename*=UTF-8''Vid%C3%A9o%20finale%20(9x16).mp4");

    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('video.mp4', 'hello.txt');
    expect((await fetch(tampered)).status).toBe(403);

    const shortLived = await store.presignGet('org/a/video.mp4', { expiresSeconds: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(shortLived)).status).toBe(403);
  });

  it('presigned PUT links upload directly', async () => {
    const url = await store.presignPut('org/a/direct.bin', {
      expiresSeconds: 60,
      contentType: 'application/octet-stream',
      contentLength: 17,
    });
    const response = await fetch(url, {
      method: 'PUT',
      body: 'uploaded directly',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    expect(await text(await store.get('org/a/direct.bin'))).toBe('uploaded directly');
  });

  it('presigned PUT links take only the length they were made for', async () => {
    const url = await store.presignPut('org/a/bound.bin', {
      expiresSeconds: 60,
      contentType: 'application/octet-stream',
      contentLength: 10,
    });
    for (const body of [Buffer.alloc(3 * 1024 * 1024, 1), Buffer.alloc(9, 1)]) {
      const response = await fetch(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect([body.length, response.status]).toEqual([body.length, 403]);
    }
    expect(await store.stat('org/a/bound.bin')).toBeUndefined();
    const partKey = 'org/a/bound-parts.bin';
    const uploadId = await store.startMultipart(partKey, { contentType: 'video/mp4' });
    const part = await store.presignPart(partKey, uploadId, 1, { expiresSeconds: 60, contentLength: 100 });
    expect((await fetch(part, { method: 'PUT', body: Buffer.alloc(101, 1) })).status).toBe(403);
    expect(await store.listParts(partKey, uploadId)).toEqual([]);
    expect((await fetch(part, { method: 'PUT', body: Buffer.alloc(100, 1) })).status).toBe(200);
    await store.abortMultipart(partKey, uploadId);
  });

  it('copies an object, and the copy does not follow later writes to the original', async () => {
    await store.put('org/a/original.bin', Readable.from([Buffer.from('checked bytes')]), {
      contentType: 'video/mp4',
      maxBytes: 100,
    });
    expect(await store.copy('org/a/original.bin', 'org/a/copy.bin')).toMatchObject({
      key: 'org/a/copy.bin',
      bytes: 13,
      contentType: 'video/mp4',
    });
    await store.put('org/a/original.bin', Readable.from([Buffer.from('later bytes')]), {
      contentType: 'video/mp4',
      maxBytes: 100,
    });
    expect(await text(await store.get('org/a/copy.bin'))).toBe('checked bytes');
    await expect(store.copy('org/a/missing.bin', 'org/a/copy2.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('multipart uploads take parts in any order, list what arrived, replace a re-sent part, and join them', async () => {
    const key = 'org/a/multipart.bin';
    const uploadId = await store.startMultipart(key, { contentType: 'video/mp4' });
    const first = Buffer.alloc(MIN_PART_BYTES, 1);
    const last = Buffer.from('the last part may be short');
    const put = async (n: number, body: Buffer) => {
      const response = await fetch(
        await store.presignPart(key, uploadId, n, { expiresSeconds: 60, contentLength: body.length }),
        { method: 'PUT', body },
      );
      expect(response.status, await response.clone().text()).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    };
    await put(2, last);
    expect((await store.listParts(key, uploadId)).map((p) => [p.partNumber, p.bytes])).toEqual([[2, last.length]]);
    await put(1, Buffer.alloc(100, 9)); // an interrupted first attempt …
    await put(1, first); // … sent again in full
    const parts = await store.listParts(key, uploadId);
    expect(parts.map((p) => [p.partNumber, p.bytes])).toEqual([
      [1, MIN_PART_BYTES],
      [2, last.length],
    ]);
    expect(await store.stat(key)).toBeUndefined(); // nothing visible before completion
    const stored = await store.completeMultipart(key, uploadId, parts);
    expect(stored).toMatchObject({ key, bytes: MIN_PART_BYTES + last.length, contentType: 'video/mp4' });
    const joined = Buffer.from(await text(await store.get(key)), 'latin1');
    expect(joined.length).toBe(MIN_PART_BYTES + last.length);
    expect(joined.subarray(MIN_PART_BYTES).toString()).toBe('the last part may be short');
  });

  it('an aborted multipart upload leaves nothing, and its part links stop working', async () => {
    const key = 'org/a/aborted.bin';
    const uploadId = await store.startMultipart(key, { contentType: 'video/mp4' });
    const url = await store.presignPart(key, uploadId, 1, { expiresSeconds: 60, contentLength: 8 });
    expect((await fetch(url, { method: 'PUT', body: 'part one' })).status).toBe(200);
    await store.abortMultipart(key, uploadId);
    await store.abortMultipart(key, uploadId); // idempotent
    expect((await fetch(url, { method: 'PUT', body: 'part two' })).status).toBe(404);
    expect(await store.stat(key)).toBeUndefined();
  });

  it('configures its expiry backstop and tags objects with their retention', async () => {
    await store.configureExpiry([30, 7, 7, 90]);
    await store.put('org/a/tagged.bin', Readable.from([Buffer.from('x')]), {
      contentType: 'text/plain',
      maxBytes: 10,
      retentionDays: 7,
    });
    await store.put('org/a/retagged.bin', Readable.from([Buffer.from('y')]), {
      contentType: 'text/plain',
      maxBytes: 10,
    });
    await store.tagRetention('org/a/retagged.bin', 30);
    if (store instanceof MinioObjectStore) {
      const client = s3Client(services.s3);
      const bucket = (store as unknown as { bucket: string }).bucket;
      const rules = await client.getBucketLifecycle(bucket);
      const summary = rules!.Rule.map((r) => [r.ID, (r.Expiration as { Days?: number } | undefined)?.Days ?? null]);
      expect(summary).toEqual([
        ['cutline-retention-7d', 8],
        ['cutline-retention-30d', 31],
        ['cutline-retention-90d', 91],
        ['cutline-uploads', 2],
      ]);
      // (The client's XML parser turns numeric tag values into numbers.)
      const tagsOf = async (key: string) =>
        ((await client.getObjectTagging(bucket, key)) as Array<{ Key: string; Value: unknown }>).map(
          (t) => `${t.Key}=${String(t.Value)}`,
        );
      expect(await tagsOf('org/a/tagged.bin')).toEqual(['cutline-retention-days=7']);
      expect(await tagsOf('org/a/retagged.bin')).toEqual(['cutline-retention-days=30']);
    }
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
