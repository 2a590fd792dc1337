/** ObjectStore on MinIO or any S3-compatible service, through the minio client. */
import { PassThrough, type Readable } from 'node:stream';
import type { Client } from 'minio';
import {
  assertSafeKey,
  contentDisposition,
  ObjectNotFoundError,
  RETENTION_TAG,
  UPLOADS_EXPIRE_DAYS,
  UPLOADS_PREFIX,
  type ObjectStore,
  type PresignGetOptions,
  type PutOptions,
  type StoredObject,
  type UploadedPart,
} from './object-store.js';
import { presignV4, type S3Credentials } from './sigv4-presign.js';
import { SizeLimit } from './size-limit.js';

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'NoSuchKey' || code === 'NotFound';
}

export class MinioObjectStore implements ObjectStore {
  constructor(
    private readonly client: Client,
    private readonly bucket: string,
    private readonly region: string,
    /** For links that bind their body's length (sigv4-presign.ts). */
    private readonly credentials: S3Credentials,
  ) {}

  async ensureReady(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      await this.client.makeBucket(this.bucket, this.region).catch((err: { code?: string }) => {
        if (err.code !== 'BucketAlreadyOwnedByYou' && err.code !== 'BucketAlreadyExists') throw err;
      });
    }
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) throw new Error(`bucket ${this.bucket} does not exist`);
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
    // The client turns an X-Amz-Tagging header into user metadata, so tags are set after.
    if (options.retentionDays !== undefined) await this.tagRetention(key, options.retentionDays);
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
      return {
        key,
        bytes: info.size,
        contentType: String(info.metaData['content-type'] ?? 'application/octet-stream'),
      };
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

  async listChildren(prefix: string): Promise<string[]> {
    const names = new Set<string>();
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, false)) {
      const entry = item as { name?: string; prefix?: string };
      const path = entry.prefix ?? entry.name;
      const child = path?.slice(prefix.length).replace(/\/$/, '');
      if (child) names.add(child);
    }
    return [...names].sort();
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    assertSafeKey(key);
    const headers: Record<string, string> = options.filename
      ? { 'response-content-disposition': contentDisposition(options.filename) }
      : {};
    return this.client.presignedGetObject(this.bucket, key, options.expiresSeconds, headers);
  }

  locationFor(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async presignPut(
    key: string,
    options: { expiresSeconds: number; contentType: string; contentLength: number },
  ): Promise<string> {
    assertSafeKey(key);
    return presignV4(this.credentials, {
      method: 'PUT',
      bucket: this.bucket,
      key,
      expiresSeconds: options.expiresSeconds,
      headers: { 'content-length': String(options.contentLength) },
    });
  }

  async copy(from: string, to: string): Promise<StoredObject> {
    assertSafeKey(from);
    assertSafeKey(to);
    try {
      await this.client.copyObject(this.bucket, to, `/${this.bucket}/${from}`);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(from);
      throw err;
    }
    const stored = await this.stat(to);
    if (!stored) throw new ObjectNotFoundError(to);
    return stored;
  }

  async startMultipart(key: string, options: { contentType: string }): Promise<string> {
    assertSafeKey(key);
    return this.client.initiateNewMultipartUpload(this.bucket, key, { 'Content-Type': options.contentType });
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresSeconds: number; contentLength: number },
  ): Promise<string> {
    assertSafeKey(key);
    return presignV4(this.credentials, {
      method: 'PUT',
      bucket: this.bucket,
      key,
      expiresSeconds: options.expiresSeconds,
      query: { partNumber: String(partNumber), uploadId },
      headers: { 'content-length': String(options.contentLength) },
    });
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    assertSafeKey(key);
    // The client declares listParts protected, though it is the plain ListParts call (paged).
    const client = this.client as unknown as {
      listParts(
        bucket: string,
        key: string,
        uploadId: string,
      ): Promise<Array<{ part: number; etag: string; size: number }>>;
    };
    const parts = await client.listParts(this.bucket, key, uploadId);
    return parts
      .map((p) => ({ partNumber: p.part, bytes: p.size, etag: p.etag }))
      .sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<StoredObject> {
    assertSafeKey(key);
    await this.client.completeMultipartUpload(
      this.bucket,
      key,
      uploadId,
      parts.map((p) => ({ part: p.partNumber, etag: p.etag })),
    );
    const stored = await this.stat(key);
    if (!stored) throw new ObjectNotFoundError(key);
    return stored;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertSafeKey(key);
    await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch((err: { code?: string }) => {
      if (err.code !== 'NoSuchUpload') throw err;
    });
  }

  async configureExpiry(retentionDays: number[]): Promise<void> {
    const days = [...new Set(retentionDays)].sort((a, b) => a - b);
    await this.client.setBucketLifecycle(this.bucket, {
      Rule: [
        ...days.map((d) => ({
          ID: `cutline-retention-${d}d`,
          Status: 'Enabled',
          // One day after the sweeper should have removed it: only what it missed.
          Expiration: { Days: d + 1 },
          Filter: { Tag: { Key: RETENTION_TAG, Value: String(d) } } as never,
        })),
        {
          ID: 'cutline-uploads',
          Status: 'Enabled',
          Expiration: { Days: UPLOADS_EXPIRE_DAYS },
          Filter: { Prefix: UPLOADS_PREFIX } as never,
        },
      ],
    });
  }

  async tagRetention(key: string, days: number): Promise<void> {
    assertSafeKey(key);
    await this.client.setObjectTagging(this.bucket, key, { [RETENTION_TAG]: String(days) });
  }
}
