/**
 * Brings an input (video, logo, music) to a local file in the scratch directory, enforcing the
 * size limit while streaming, so an oversized download is cut off rather than stored.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'minio';
import { RenderError } from '../errors.js';
import { parseLocation } from './location.js';

export interface FetchOptions {
  scratchDir: string;
  /** File name to use inside the scratch directory. */
  name: string;
  maxBytes: number;
  s3?: Client | undefined;
  signal?: AbortSignal;
}

export async function fetchInput(source: string, options: FetchOptions): Promise<string> {
  const location = parseLocation(source);
  switch (location.kind) {
    case 'file': {
      const info = await stat(location.path).catch(() => undefined);
      if (!info?.isFile()) throw new RenderError('CUTLINE_INPUT_NOT_FOUND', `No file at ${location.path}.`, { source });
      if (info.size > options.maxBytes) tooLarge(info.size, options.maxBytes);
      return location.path;
    }
    case 'http': {
      const target = join(options.scratchDir, options.name);
      let response: Response;
      try {
        response = await fetch(location.url, {
          redirect: 'follow',
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        throw new RenderError(
          'CUTLINE_INPUT_FETCH_FAILED',
          `Could not download ${location.url.origin}${location.url.pathname}.`,
          undefined,
          { cause: err },
        );
      }
      if (response.status === 404 || response.status === 410) {
        throw new RenderError('CUTLINE_INPUT_NOT_FOUND', `The input URL answered ${response.status}.`, {
          status: response.status,
        });
      }
      if (!response.ok || !response.body) {
        const code =
          response.status >= 400 && response.status < 500 ? 'CUTLINE_INPUT_NOT_FOUND' : 'CUTLINE_INPUT_FETCH_FAILED';
        throw new RenderError(code, `The input URL answered ${response.status}.`, { status: response.status });
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > options.maxBytes) tooLarge(declared, options.maxBytes);
      await writeLimited(Readable.fromWeb(response.body as never), target, options.maxBytes);
      return target;
    }
    case 's3': {
      if (!options.s3)
        throw new RenderError('CUTLINE_INVALID_SPEC', 's3:// inputs need CUTLINE_S3_ENDPOINT and credentials.');
      const target = join(options.scratchDir, options.name);
      let size: number;
      try {
        size = (await options.s3.statObject(location.bucket, location.key)).size;
      } catch (err) {
        if (isNotFound(err))
          throw new RenderError('CUTLINE_INPUT_NOT_FOUND', `No object s3://${location.bucket}/${location.key}.`, {
            source,
          });
        throw new RenderError(
          'CUTLINE_INPUT_FETCH_FAILED',
          `Could not read s3://${location.bucket}/${location.key}.`,
          undefined,
          { cause: err },
        );
      }
      if (size > options.maxBytes) tooLarge(size, options.maxBytes);
      try {
        await writeLimited(await options.s3.getObject(location.bucket, location.key), target, options.maxBytes);
      } catch (err) {
        if (err instanceof RenderError) throw err;
        throw new RenderError(
          'CUTLINE_INPUT_FETCH_FAILED',
          `Could not download s3://${location.bucket}/${location.key}.`,
          undefined,
          { cause: err },
        );
      }
      return target;
    }
  }
}

function tooLarge(bytes: number, limit: number): never {
  throw new RenderError('CUTLINE_INPUT_TOO_LARGE', `The input is ${bytes} bytes; the limit is ${limit}.`, {
    bytes,
    limit,
  });
}

async function writeLimited(source: Readable, target: string, maxBytes: number): Promise<void> {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      seen += chunk.length;
      if (seen > maxBytes)
        callback(
          new RenderError('CUTLINE_INPUT_TOO_LARGE', `The input is larger than ${maxBytes} bytes.`, {
            limit: maxBytes,
          }),
        );
      else callback(null, chunk);
    },
  });
  await pipeline(source, limiter, createWriteStream(target));
}

export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}
