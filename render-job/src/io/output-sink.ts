/**
 * Publishes a finished render: a local directory, an S3 prefix, or one signed link per file.
 * All files are written to the scratch directory first; publish() copies them out only after
 * ffmpeg succeeded, the manifest last, and on any upload failure removes what it already
 * uploaded — no partial outputs.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { Client } from 'minio';
import { RenderError } from '../errors.js';
import { aspectLabel, type RenderSpec } from '../spec.js';
import { parseLocation } from './location.js';

export type OutputLinks = NonNullable<RenderSpec['output']['links']>;

/** Every file a render with this spec publishes, the manifest last (links are made for these). */
export function artifactNames(spec: Pick<RenderSpec, 'formats'> & { output: Pick<RenderSpec['output'], 'thumbnail' | 'sidecars'> }): string[] {
  return [
    ...spec.formats.map((aspect) => `video-${aspectLabel(aspect)}.mp4`),
    ...(spec.output.thumbnail ? ['thumbnail.jpg'] : []),
    ...(spec.output.sidecars ? ['captions.srt', 'captions.vtt', 'words.json'] : []),
    'manifest.json',
  ];
}

export interface ArtifactFile {
  /** Name in the destination (no directories). */
  name: string;
  localPath: string;
  contentType: string;
}

export interface PublishedFile {
  name: string;
  uri: string;
  bytes: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.srt': 'application/x-subrip',
  '.vtt': 'text/vtt',
  '.ass': 'text/x-ssa',
  '.json': 'application/json',
};

export function contentTypeFor(name: string): string {
  const ext = name.slice(name.lastIndexOf('.'));
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Where a file named `name` ends up under `destination` (known before publishing). */
export function artifactUri(destination: string, name: string): string {
  const location = parseLocation(destination);
  switch (location.kind) {
    case 'file':
      return join(location.path, name);
    case 's3': {
      const base = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
      return `s3://${location.bucket}/${base}${name}`;
    }
    case 'http':
      throw new RenderError('CUTLINE_INVALID_SPEC', 'Outputs go to a directory or s3://bucket/prefix/, not an http URL.');
  }
}

export async function publishArtifacts(
  destination: string,
  files: readonly ArtifactFile[],
  s3: Client | undefined,
  tags: Record<string, string> = {},
  links?: OutputLinks,
): Promise<PublishedFile[]> {
  if (links) return publishToLinks(destination, links, files);
  const location = parseLocation(destination);
  switch (location.kind) {
    case 'file':
      return publishToDirectory(location.path, files);
    case 's3':
      if (!s3) throw new RenderError('CUTLINE_INVALID_SPEC', 's3:// destinations need CUTLINE_S3_ENDPOINT and credentials.');
      return publishToS3(s3, location.bucket, location.key, files, tags);
    case 'http':
      throw new RenderError('CUTLINE_INVALID_SPEC', 'Outputs go to a directory or s3://bucket/prefix/, not an http URL.');
  }
}

async function publishToDirectory(dir: string, files: readonly ArtifactFile[]): Promise<PublishedFile[]> {
  await mkdir(dir, { recursive: true });
  const published: PublishedFile[] = [];
  try {
    for (const file of files) {
      const target = join(dir, file.name);
      const temp = `${target}.partial`;
      // Copy to a temporary name then rename, so a reader never sees half a file.
      await copyFile(file.localPath, temp);
      await rename(temp, target);
      published.push({ name: file.name, uri: target, bytes: (await stat(target)).size });
    }
  } catch (err) {
    await Promise.all(files.map((f) => rm(join(dir, f.name), { force: true })));
    await Promise.all(files.map((f) => rm(join(dir, `${f.name}.partial`), { force: true })));
    throw new RenderError('CUTLINE_OUTPUT_UPLOAD_FAILED', `Could not write outputs to ${dir}.`, undefined, { cause: err });
  }
  return published;
}

async function publishToS3(s3: Client, bucket: string, prefix: string, files: readonly ArtifactFile[], tags: Record<string, string>): Promise<PublishedFile[]> {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const published: PublishedFile[] = [];
  try {
    for (const file of files) {
      const key = `${base}${file.name}`;
      await s3.fPutObject(bucket, key, file.localPath, { 'Content-Type': file.contentType });
      // (The client would turn an X-Amz-Tagging header into user metadata.)
      if (Object.keys(tags).length > 0) await s3.setObjectTagging(bucket, key, tags);
      published.push({ name: file.name, uri: `s3://${bucket}/${key}`, bytes: (await stat(file.localPath)).size });
    }
  } catch (err) {
    await s3.removeObjects(bucket, published.map((p) => p.uri.slice(`s3://${bucket}/`.length))).catch(() => undefined);
    throw new RenderError('CUTLINE_OUTPUT_UPLOAD_FAILED', `Could not upload outputs to s3://${bucket}/${base}.`, undefined, { cause: err });
  }
  return published;
}

async function publishToLinks(destination: string, links: OutputLinks, files: readonly ArtifactFile[]): Promise<PublishedFile[]> {
  const missing = files.filter((f) => !links[f.name]).map((f) => f.name);
  if (missing.length > 0) throw new RenderError('CUTLINE_INVALID_SPEC', `output.links has no link for ${missing.join(', ')}.`);
  const published: PublishedFile[] = [];
  try {
    for (const file of files) {
      const link = links[file.name]!;
      const bytes = (await stat(file.localPath)).size;
      await send('PUT', link.put, { ...link.headers, 'content-length': String(bytes) }, file.localPath);
      published.push({ name: file.name, uri: artifactUri(destination, file.name), bytes });
    }
  } catch (err) {
    await Promise.all(published.map((p) => send('DELETE', links[p.name]!.delete, {}).catch(() => undefined)));
    throw new RenderError('CUTLINE_OUTPUT_UPLOAD_FAILED', `Could not upload outputs to their links (${(err as Error).message}).`, undefined, { cause: err });
  }
  return published;
}

/** One request to a signed link (no redirects: a link names exactly where the bytes go). */
function send(method: 'PUT' | 'DELETE', url: string, headers: Record<string, string>, bodyPath?: string): Promise<void> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers, timeout: 120_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.length < 16 && chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`${method} answered ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} timed out`)));
    req.on('error', reject);
    if (bodyPath) createReadStream(bodyPath).on('error', reject).pipe(req);
    else req.end();
  });
}
