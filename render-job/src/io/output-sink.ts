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
export function artifactNames(
  spec: Pick<RenderSpec, 'formats'> & { output: Pick<RenderSpec['output'], 'thumbnail' | 'sidecars'> },
): string[] {
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
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
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
      throw new RenderError(
        'CUTLINE_INVALID_SPEC',
        'Outputs go to a directory or s3://bucket/prefix/, not an http URL.',
      );
  }
}

export interface PublishOptions {
  s3?: Client | undefined;
  /** Object tags on every file (s3 destinations). */
  tags?: Record<string, string> | undefined;
  /** Signed links per file, instead of the destination's own access (see spec output.links). */
  links?: OutputLinks | undefined;
  /** Made once every other file is out (the manifest, which records how long that took), and published last. */
  last?: () => Promise<ArtifactFile>;
}

/** Where each file goes, and how to take one back. */
interface Target {
  put(file: ArtifactFile): Promise<string>;
  remove(name: string): Promise<void>;
  describe: string;
}

export async function publishArtifacts(
  destination: string,
  files: readonly ArtifactFile[],
  options: PublishOptions = {},
): Promise<PublishedFile[]> {
  const target = await targetFor(destination, options, files);
  const published: PublishedFile[] = [];
  const publish = async (file: ArtifactFile) => {
    const uri = await target.put(file);
    published.push({ name: file.name, uri, bytes: (await stat(file.localPath)).size });
  };
  try {
    for (const file of files) await publish(file);
    if (options.last) await publish(await options.last());
  } catch (err) {
    await Promise.all(published.map((p) => target.remove(p.name).catch(() => undefined)));
    if (err instanceof RenderError) throw err;
    throw new RenderError(
      'CUTLINE_OUTPUT_UPLOAD_FAILED',
      `Could not publish the outputs to ${target.describe} (${(err as Error).message}).`,
      undefined,
      { cause: err },
    );
  }
  return published;
}

async function targetFor(
  destination: string,
  options: PublishOptions,
  files: readonly ArtifactFile[],
): Promise<Target> {
  if (options.links) return linkTarget(destination, options.links, files);
  const location = parseLocation(destination);
  switch (location.kind) {
    case 'file':
      return directoryTarget(location.path);
    case 's3':
      if (!options.s3)
        throw new RenderError('CUTLINE_INVALID_SPEC', 's3:// destinations need CUTLINE_S3_ENDPOINT and credentials.');
      return s3Target(options.s3, location.bucket, location.key, options.tags ?? {});
    case 'http':
      throw new RenderError(
        'CUTLINE_INVALID_SPEC',
        'Outputs go to a directory or s3://bucket/prefix/, not an http URL.',
      );
  }
}

async function directoryTarget(dir: string): Promise<Target> {
  await mkdir(dir, { recursive: true });
  return {
    describe: dir,
    // Copy to a temporary name then rename, so a reader never sees half a file.
    put: async (file) => {
      const target = join(dir, file.name);
      try {
        await copyFile(file.localPath, `${target}.partial`);
        await rename(`${target}.partial`, target);
      } catch (err) {
        await rm(`${target}.partial`, { force: true });
        throw err;
      }
      return target;
    },
    remove: (name) => rm(join(dir, name), { force: true }),
  };
}

function s3Target(s3: Client, bucket: string, prefix: string, tags: Record<string, string>): Target {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    describe: `s3://${bucket}/${base}`,
    put: async (file) => {
      const key = `${base}${file.name}`;
      await s3.fPutObject(bucket, key, file.localPath, { 'Content-Type': file.contentType });
      // (The client would turn an X-Amz-Tagging header into user metadata.)
      if (Object.keys(tags).length > 0) await s3.setObjectTagging(bucket, key, tags);
      return `s3://${bucket}/${key}`;
    },
    remove: (name) => s3.removeObject(bucket, `${base}${name}`),
  };
}

function linkTarget(destination: string, links: OutputLinks, files: readonly ArtifactFile[]): Target {
  const linkOf = (name: string) => {
    const link = links[name];
    if (!link) throw new RenderError('CUTLINE_INVALID_SPEC', `output.links has no link for ${name}.`);
    return link;
  };
  // Every file has its link before the first goes out.
  for (const file of files) linkOf(file.name);
  return {
    describe: 'their links',
    put: async (file) => {
      const link = linkOf(file.name);
      const bytes = (await stat(file.localPath)).size;
      await send('PUT', link.put, { ...link.headers, 'content-length': String(bytes) }, file.localPath);
      return artifactUri(destination, file.name);
    },
    remove: (name) => send('DELETE', linkOf(name).delete, {}),
  };
}

/** One request to a signed link (no redirects: a link names exactly where the bytes go). */
function send(
  method: 'PUT' | 'DELETE',
  url: string,
  headers: Record<string, string>,
  bodyPath?: string,
): Promise<void> {
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
