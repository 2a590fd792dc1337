/**
 * Publishes a finished render: a local directory or an S3 prefix. All files are written to the
 * scratch directory first; publish() copies them out only after ffmpeg succeeded, the manifest
 * last, and on any upload failure removes what it already uploaded — no partial outputs.
 */
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'minio';
import { RenderError } from '../errors.js';
import { parseLocation } from './location.js';

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
): Promise<PublishedFile[]> {
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
