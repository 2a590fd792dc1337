/** Serves the local object store's presigned links: GET (download), PUT (direct upload) and PUT of one part of a multipart upload. */
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../errors.js';
import { NoSuchUploadError, type FsObjectStore } from './fs-object-store.js';
import { contentDisposition, ObjectTooLargeError } from './object-store.js';

/**
 * One `bytes=` range (what players and ffmpeg send), as inclusive offsets; undefined means
 * the whole object (no header, or several ranges, which S3 does not serve either).
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export interface FsObjectRoutesOptions {
  store: FsObjectStore;
  maxUploadBytes: number;
  /**
   * Whether a key may still be written through a link: an upload's link dies once the upload
   * is checked or rejected, not only when it expires. Every key may be written when unset.
   */
  writable?: (key: string) => Promise<boolean>;
}

export const fsObjectRoutes: FastifyPluginAsync<FsObjectRoutesOptions> = async (
  app,
  { store, maxUploadBytes, writable },
) => {
  // Uploads arrive as raw bytes of any type; hand the stream through untouched.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  // A signed link is a capability by itself (as on S3 with a permissive bucket CORS rule): any
  // origin may use it, so the web app uploads and plays media whether it is opened as
  // localhost or 127.0.0.1 or behind another host name.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/files/'))
      void reply
        .header('access-control-allow-origin', '*')
        .header('access-control-expose-headers', 'ETag, Content-Range, Content-Length');
  });
  app.options('/files/*', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .status(204)
      .header('access-control-allow-methods', 'GET, PUT, HEAD')
      .header('access-control-allow-headers', 'content-type, range')
      .header('access-control-max-age', '600')
      .send(),
  );

  app.get<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>(
    '/files/*',
    { schema: { hide: true } },
    async (request, reply) => {
      const key = request.params['*'];
      const signed = store.verify('GET', key, request.query);
      if (!signed) throw new ApiError('CUTLINE_FORBIDDEN', 'This link is invalid or has expired.');
      const object = await store.stat(key);
      if (!object) throw new ApiError('CUTLINE_NOT_FOUND', 'The file no longer exists.');
      void reply.header('content-type', object.contentType).header('accept-ranges', 'bytes');
      if (signed.filename) void reply.header('content-disposition', contentDisposition(signed.filename));
      const range = byteRange(request.headers.range, object.bytes);
      if (range === 'unsatisfiable') return reply.status(416).header('content-range', `bytes */${object.bytes}`).send();
      if (range) {
        void reply
          .status(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${object.bytes}`)
          .header('content-length', range.end - range.start + 1);
        return reply.send(await store.get(key, range));
      }
      void reply.header('content-length', object.bytes);
      return reply.send(await store.get(key));
    },
  );

  app.put<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>(
    '/files/*',
    { schema: { hide: true }, bodyLimit: maxUploadBytes, config: { streamsBody: true } },
    async (request, reply) => {
      const key = request.params['*'];
      const signed = store.verify('PUT', key, request.query);
      if (!signed || signed.length === undefined)
        throw new ApiError('CUTLINE_FORBIDDEN', 'This link is invalid or has expired.');
      // As S3 does with a signed Content-Length: a body of any other size is refused whole.
      if (request.headers['content-length'] !== String(signed.length)) {
        throw new ApiError('CUTLINE_FORBIDDEN', `This link takes a body of exactly ${signed.length} bytes.`);
      }
      if (writable && !(await writable(key)))
        throw new ApiError('CUTLINE_FORBIDDEN', 'This upload is closed: it was already checked or rejected.');
      const body = request.body as NodeJS.ReadableStream as never;
      const maxBytes = Math.min(signed.length, maxUploadBytes);
      try {
        if (signed.uploadId !== undefined && signed.partNumber !== undefined) {
          const part = await store.putPart(key, signed.uploadId, signed.partNumber, body, maxBytes);
          // S3 answers a part with its ETag; clients that complete uploads themselves need it.
          return reply.status(200).header('etag', part.etag).send({ ok: true });
        }
        await store.put(key, body, { contentType: signed.contentType ?? 'application/octet-stream', maxBytes });
      } catch (err) {
        if (err instanceof ObjectTooLargeError) throw new ApiError('CUTLINE_BODY_TOO_LARGE', err.message);
        if (err instanceof NoSuchUploadError) throw new ApiError('CUTLINE_NOT_FOUND', 'This upload no longer exists.');
        throw err;
      }
      return reply.status(200).send({ ok: true });
    },
  );
};
