/** ObjectStore on MinIO or any S3-compatible service, through the minio client. */
import { PassThrough, type Readable } from 'node:stream';
import type { Client } from 'minio';
import { assertSafeKey, contentDisposition, ObjectNotFoundError, type ObjectStore, type PresignGetOptions, type PutOptions, type StoredObject } from './object-store.js';
import { SizeLimit } from './size-limit.js';

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'NoSuchKey' || code === 'NotFound';
}

export class MinioObjectStore implements ObjectStore {
  constructor(
    private readonly client: Client,
    private readonly bucket: string,
    private readonly region = 'us-east-1',
  ) {}

  async ensureReady(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      await this.client.makeBucket(this.bucket, this.region).catch((err: { code?: string }) => {
        if (err.code !== 'BucketAlreadyOwnedByYou' && err.code !== 'BucketAlreadyExists') throw err;
      });
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    assertSafeKey(key);
    const limit = new SizeLimit(options.maxBytes);
    const sink = new PassThrough();
    // Size unknown: the client uploads in parts as the stream arrives (no whole-file buffer).
    // The client only settles when its input ends, so on any failure we end the input, let
    // the (partial) upload finish, and delete it.
    const upload = this.client.putObject(this.bucket, key, sink, undefined, { 'Content-Type': options.contentType });
    let failure: Error | undefined;
    const fail = (err: Error) => {
      failure ??= err;
      body.unpipe(limit);
      limit.unpipe(sink);
      body.destroy();
      sink.end();
    };
    body.once('error', fail);
    limit.once('error', fail);
    body.pipe(limit).pipe(sink);
    try {
      await upload;
    } catch (err) {
      failure ??= err as Error;
    }
    if (failure) {
      await this.client.removeIncompleteUpload(this.bucket, key).catch(() => undefined);
      await this.client.removeObject(this.bucket, key).catch(() => undefined);
      throw failure;
    }
    return { key, bytes: limit.bytes, contentType: options.contentType };
  }

  async get(key: string): Promise<Readable> {
    assertSafeKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    assertSafeKey(key);
    try {
      const info = await this.client.statObject(this.bucket, key);
      return { key, bytes: info.size, contentType: String(info.metaData['content-type'] ?? 'application/octet-stream') };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.client.removeObject(this.bucket, key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys: string[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      const name = (item as { name?: string }).name;
      if (name) keys.push(name);
    }
    for (let i = 0; i < keys.length; i += 1000) await this.client.removeObjects(this.bucket, keys.slice(i, i + 1000));
    return keys.length;
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    assertSafeKey(key);
    const headers: Record<string, string> = options.filename ? { 'response-content-disposition': contentDisposition(options.filename) } : {};
    return this.client.presignedGetObject(this.bucket, key, options.expiresSeconds, headers);
  }

  locationFor(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async presignPut(key: string, options: { expiresSeconds: number; contentType: string }): Promise<string> {
    assertSafeKey(key);
    return this.client.presignedPutObject(this.bucket, key, options.expiresSeconds);
  }
}
