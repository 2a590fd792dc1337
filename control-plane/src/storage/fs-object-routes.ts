/** Serves the local object store's presigned links: GET (download) and PUT (direct upload). */
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../http/errors.js';
import type { FsObjectStore } from './fs-object-store.js';
import { contentDisposition, ObjectTooLargeError } from './object-store.js';

export const fsObjectRoutes: FastifyPluginAsync<{ store: FsObjectStore; maxUploadBytes: number }> = async (app, { store, maxUploadBytes }) => {
  // Uploads arrive as raw bytes of any type; hand the stream through untouched.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>('/files/*', { schema: { hide: true } }, async (request, reply) => {
    const key = request.params['*'];
    const signed = store.verify('GET', key, request.query);
    if (!signed) throw new ApiError('CUTLINE_FORBIDDEN', 'This link is invalid or has expired.');
    const object = await store.stat(key);
    if (!object) throw new ApiError('CUTLINE_NOT_FOUND', 'The file no longer exists.');
    void reply.header('content-type', object.contentType).header('content-length', object.bytes);
    if (signed.filename) void reply.header('content-disposition', contentDisposition(signed.filename));
    return reply.send(await store.get(key));
  });

  app.put<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>('/files/*', { schema: { hide: true }, bodyLimit: maxUploadBytes }, async (request, reply) => {
    const key = request.params['*'];
    const signed = store.verify('PUT', key, request.query);
    if (!signed) throw new ApiError('CUTLINE_FORBIDDEN', 'This link is invalid or has expired.');
    try {
      await store.put(key, request.body as NodeJS.ReadableStream as never, { contentType: signed.contentType ?? 'application/octet-stream', maxBytes: maxUploadBytes });
    } catch (err) {
      if (err instanceof ObjectTooLargeError) throw new ApiError('CUTLINE_BODY_TOO_LARGE', err.message);
      throw err;
    }
    return reply.status(200).send({ ok: true });
  });
};
