/**
 * ObjectStore in a local directory: the embedded default. Presigned links are URLs on the
 * control plane itself (`/files/<key>`), signed with HMAC-SHA256 over method, key, expiry and
 * file name; fs-object-routes.ts serves them. Writes go to a temporary file renamed into
 * place, so a reader never sees half an object and a failed upload leaves nothing.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import {
  assertSafeKey,
  MAX_PARTS,
  ObjectNotFoundError,
  type ObjectStore,
  type PresignGetOptions,
  type PutOptions,
  type StoredObject,
  type UploadedPart,
} from './object-store.js';
import { SizeLimit } from './size-limit.js';

export interface SignedRequest {
  method: 'GET' | 'PUT';
  key: string;
  expires: number;
  filename?: string | undefined;
  contentType?: string | undefined;
  /** A part of a multipart upload (PUT only). */
  uploadId?: string | undefined;
  partNumber?: number | undefined;
  /** The exact body length a PUT link takes. */
  length?: number | undefined;
}

export class NoSuchUploadError extends Error {
  constructor(readonly uploadId: string) {
    super(`No multipart upload ${uploadId}.`);
  }
}

export class FsObjectStore implements ObjectStore {
  private readonly objectsDir: string;

  constructor(
    private readonly root: string,
    private readonly signingKey: string,
    /** Base URL of the control plane, e.g. http://127.0.0.1:8080 */
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.objectsDir = join(root, 'objects');
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    // What join() would give: a safe key has no empty, "." or ".." segment and no leading "/".
    // join() normalises character by character, and every submission names two paths or more.
    return `${this.objectsDir}/${key}`;
  }

  private metaPathOf(key: string): string {
    return join(this.root, 'meta', `${key}.json`);
  }

  async ensureReady(): Promise<void> {
    await mkdir(join(this.root, 'objects'), { recursive: true });
    await mkdir(join(this.root, 'meta'), { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    await mkdir(join(this.root, 'multipart'), { recursive: true });
  }

  private tempPath(): string {
    return join(this.root, 'tmp', randomBytes(12).toString('hex'));
  }

  /** Moves a finished temporary file into place (metadata first, so a visible object has it). */
  private async publish(temp: string, key: string, contentType: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await mkdir(dirname(this.metaPathOf(key)), { recursive: true });
    await writeFile(this.metaPathOf(key), JSON.stringify({ contentType }));
    await rename(temp, target);
  }

  async ping(): Promise<void> {
    await access(join(this.root, 'objects'), constants.W_OK);
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const temp = this.tempPath();
    const limit = new SizeLimit(options.maxBytes);
    try {
      await pipeline(body, limit, createWriteStream(temp));
      await this.publish(temp, key, options.contentType);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { key, bytes: limit.bytes, contentType: options.contentType };
  }

  /** The object, or the inclusive byte range of it (for HTTP Range requests: players seek). */
  async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = this.pathOf(key);
    if (!(await stat(path).catch(() => undefined))) throw new ObjectNotFoundError(key);
    return createReadStream(path, range);
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const info = await stat(this.pathOf(key)).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const meta = await readFile(this.metaPathOf(key), 'utf8')
      .then((t) => JSON.parse(t) as { contentType: string })
      .catch(() => ({ contentType: 'application/octet-stream' }));
    return { key, bytes: info.size, contentType: meta.contentType };
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.metaPathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const base = join(this.root, 'objects');
    const files = (await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((e) => e.isFile())
      .map((e) => relative(base, join(e.parentPath, e.name)))
      .filter((key) => key.startsWith(prefix));
    for (const key of files) await this.delete(key);
    return files.length;
  }

  async listChildren(prefix: string): Promise<string[]> {
    assertSafeKey(prefix.replace(/\/$/, ''));
    const entries = await readdir(join(this.objectsDir, prefix), { withFileTypes: true }).catch(() => []);
    return entries.map((e) => e.name).sort();
  }

  locationFor(key: string): string {
    // A prefix ending in "/" names a directory (render outputs); keys never contain "..".
    if (!key.endsWith('/')) return this.pathOf(key);
    assertSafeKey(key.slice(0, -1));
    return `${this.objectsDir}/${key}`;
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    return this.signedUrl({
      method: 'GET',
      key,
      expires: this.expiry(options.expiresSeconds),
      filename: options.filename,
    });
  }

  async presignPut(
    key: string,
    options: { expiresSeconds: number; contentType: string; contentLength: number },
  ): Promise<string> {
    return this.signedUrl({
      method: 'PUT',
      key,
      expires: this.expiry(options.expiresSeconds),
      contentType: options.contentType,
      length: options.contentLength,
    });
  }

  async copy(from: string, to: string): Promise<StoredObject> {
    const source = await this.stat(from);
    if (!source) throw new ObjectNotFoundError(from);
    const temp = this.tempPath();
    try {
      await copyFile(this.pathOf(from), temp);
      await this.publish(temp, to, source.contentType);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { ...source, key: to };
  }

  /** Checks a signed URL's query; undefined when it is forged, altered or expired. */
  verify(method: 'GET' | 'PUT', key: string, query: Record<string, string | undefined>): SignedRequest | undefined {
    const expires = Number(query.expires);
    if (!Number.isInteger(expires) || !query.signature) return undefined;
    const partNumber = query.partNumber === undefined ? undefined : Number(query.partNumber);
    const length = query.length === undefined ? undefined : Number(query.length);
    const request: SignedRequest = {
      method,
      key,
      expires,
      filename: query.filename,
      contentType: query.contentType,
      uploadId: query.uploadId,
      partNumber,
      length,
    };
    const expected = Buffer.from(this.signature(request), 'base64url');
    const given = Buffer.from(query.signature, 'base64url');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    if (expires * 1000 < this.now()) return undefined;
    return request;
  }

  private expiry(seconds: number): number {
    return Math.floor(this.now() / 1000) + seconds;
  }

  private signature(r: SignedRequest): string {
    return createHmac('sha256', this.signingKey)
      .update(
        [
          r.method,
          r.key,
          r.expires,
          r.filename ?? '',
          r.contentType ?? '',
          r.uploadId ?? '',
          r.partNumber ?? '',
          r.length ?? '',
        ].join('\n'),
      )
      .digest('base64url');
  }

  private signedUrl(r: SignedRequest): string {
    assertSafeKey(r.key);
    const url = new URL(`/files/${r.key.split('/').map(encodeURIComponent).join('/')}`, this.publicUrl);
    url.searchParams.set('expires', String(r.expires));
    if (r.filename) url.searchParams.set('filename', r.filename);
    if (r.contentType) url.searchParams.set('contentType', r.contentType);
    if (r.uploadId) url.searchParams.set('uploadId', r.uploadId);
    if (r.partNumber !== undefined) url.searchParams.set('partNumber', String(r.partNumber));
    if (r.length !== undefined) url.searchParams.set('length', String(r.length));
    url.searchParams.set('signature', this.signature(r));
    return url.toString();
  }

  // Multipart uploads: multipart/<uploadId>/upload.json names the key; each part is <n>.part
  // with <n>.json ({ bytes, etag }) written after it, so a listed part is always complete.

  private uploadDir(uploadId: string): string {
    if (!/^[a-f0-9]{32}$/.test(uploadId)) throw new NoSuchUploadError(uploadId);
    return join(this.root, 'multipart', uploadId);
  }

  private async uploadFor(key: string, uploadId: string): Promise<{ dir: string; contentType: string }> {
    const dir = this.uploadDir(uploadId);
    const upload = await readFile(join(dir, 'upload.json'), 'utf8')
      .then((t) => JSON.parse(t) as { key: string; contentType: string })
      .catch(() => undefined);
    if (!upload || upload.key !== key) throw new NoSuchUploadError(uploadId);
    return { dir, contentType: upload.contentType };
  }

  async startMultipart(key: string, options: { contentType: string }): Promise<string> {
    assertSafeKey(key);
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.uploadDir(uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'upload.json'), JSON.stringify({ key, contentType: options.contentType }));
    return uploadId;
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresSeconds: number; contentLength: number },
  ): Promise<string> {
    return this.signedUrl({
      method: 'PUT',
      key,
      expires: this.expiry(options.expiresSeconds),
      uploadId,
      partNumber,
      length: options.contentLength,
    });
  }

  /** Stores one part (what the signed part link's PUT does); a re-sent part replaces the old. */
  async putPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    maxBytes: number,
  ): Promise<UploadedPart> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
      throw new NoSuchUploadError(uploadId);
    const { dir } = await this.uploadFor(key, uploadId);
    const temp = this.tempPath();
    const limit = new SizeLimit(maxBytes);
    const md5 = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, limit, hashing, createWriteStream(temp));
      const part = { partNumber, bytes: limit.bytes, etag: `"${md5.digest('hex')}"` };
      await rename(temp, join(dir, `${partNumber}.part`));
      await writeFile(join(dir, `${partNumber}.json`), JSON.stringify(part));
      return part;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const { dir } = await this.uploadFor(key, uploadId);
    const names = (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
    const parts = await Promise.all(
      names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as UploadedPart),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<StoredObject> {
    const { dir, contentType } = await this.uploadFor(key, uploadId);
    const temp = this.tempPath();
    const out = createWriteStream(temp);
    try {
      for (const part of [...parts].sort((a, b) => a.partNumber - b.partNumber)) {
        await pipeline(createReadStream(join(dir, `${part.partNumber}.part`)), out, { end: false });
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await this.publish(temp, key, contentType);
    } catch (err) {
      out.destroy();
      await rm(temp, { force: true });
      throw err;
    }
    await rm(dir, { recursive: true, force: true });
    const stored = await this.stat(key);
    if (!stored) throw new ObjectNotFoundError(key);
    return stored;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const { dir } = await this.uploadFor(key, uploadId).catch(() => ({ dir: undefined }));
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  // A local directory has no expiry of its own: the sweeper is the only one, so there is
  // nothing to configure and nothing to tag.
  async configureExpiry(): Promise<void> {}

  async tagRetention(): Promise<void> {}
}
