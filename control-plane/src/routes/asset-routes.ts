/**
 * /v1/assets: streaming upload through the API (the body is the file), list and get.
 *   curl -X POST --data-binary @clip.mp4 -H 'content-type: video/mp4' \
 *        "$API/v1/assets?kind=video&filename=clip.mp4"
 */
import { LISTS, FITS } from '@cutline/contract';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import {
  allOf,
  callerStanding,
  perCallerRateLimit,
  principalOf,
  requireScope,
  type Guard,
} from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { errorResponses, ListQuery, Uuid } from '../http/schemas.js';
import { parseListParams, sendPage, stringFilter, uuidFilter } from '../http/simple-rest.js';
import type { OrganizationPlans } from '../services/organization-plan.js';
import type { Asset, AssetKind, AssetsRepository } from '../repositories/assets-repository.js';
import { MAX_TAGS, type AssetUploads } from '../services/asset-uploads.js';
import type { AssetLibrary } from '../services/asset-library.js';
import { ApiError } from '../errors.js';
import type { Previews } from '../services/previews.js';
import { ASPECTS, CAPTION_STYLES } from '@cutline/render-job';

const AssetView = Type.Object({
  id: Uuid,
  kind: Type.String(),
  status: Type.String(),
  filename: Type.String(),
  contentType: Type.String(),
  sizeBytes: Type.Union([Type.Number(), Type.Null()]),
  durationSeconds: Type.Union([Type.Number(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  videoCodec: Type.Union([Type.String(), Type.Null()]),
  audioCodec: Type.Union([Type.String(), Type.Null()]),
  rejectionCode: Type.Union([Type.String(), Type.Null()]),
  projectId: Type.Union([Uuid, Type.Null()]),
  tags: Type.Array(Type.String()),
  uploadedById: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function view(a: Asset) {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    filename: a.filename,
    contentType: a.contentType,
    sizeBytes: a.sizeBytes,
    durationSeconds: a.durationSeconds,
    width: a.width,
    height: a.height,
    videoCodec: a.videoCodec,
    audioCodec: a.audioCodec,
    rejectionCode: a.rejectionCode,
    projectId: a.projectId,
    tags: a.tags,
    uploadedById: a.uploadedById,
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt?.toISOString() ?? null,
  };
}

const Kind = Type.Union([Type.Literal('video'), Type.Literal('logo'), Type.Literal('music'), Type.Literal('image')]);
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '^[^\\p{Cc}<>]+$' });
const Tags = Type.Array(Tag, { maxItems: MAX_TAGS });

const SingleUpload = Type.Object({
  method: Type.Literal('PUT'),
  url: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  expiresAt: Type.String({ format: 'date-time' }),
});
const MultipartUpload = Type.Object({
  method: Type.Literal('multipart'),
  partSize: Type.Integer({ description: 'Every part but the last has exactly this many bytes' }),
  partCount: Type.Integer(),
  expiresAt: Type.String({ format: 'date-time' }),
});
const Part = Type.Object({ partNumber: Type.Integer(), bytes: Type.Integer(), etag: Type.String() });

const ASSET_KINDS = ['video', 'logo', 'music', 'image'] as const;
const ASSET_STATUSES = ['uploading', 'ready', 'rejected', 'expired'] as const;

/** Tags from a query string, held to the body's rules. */
function checkedTags(raw: string[]): string[] {
  const tags = raw.map((t) => t.trim()).filter((t) => t.length > 0);
  if (tags.length > MAX_TAGS || tags.some((t) => t.length > 40 || /[\p{Cc}<>]/u.test(t)))
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `Up to ${MAX_TAGS} tags of up to 40 characters, without < or >.`, [
      { field: 'tags', message: 'is invalid' },
    ]);
  return tags;
}

export interface AssetRoutesOptions {
  library: AssetLibrary;
  assets: AssetsRepository;
  previews: Previews;
  uploads: AssetUploads;
  organizationPlans: OrganizationPlans;
  authenticate: Guard;
  /** Previews one caller may ask for per minute. */
  previewsPerMinute: number;
}

const MAX_ANY_PLAN_UPLOAD = 64 * 1024 ** 3;

/** Uploads streamed through the API as the request body. */
const streamedUploadRoutes: FastifyPluginAsyncTypebox<AssetRoutesOptions> = async (
  app,
  { authenticate, uploads, organizationPlans },
) => {
  const canWrite = allOf(app, [authenticate, requireScope('assets:write')]);

  // Media bodies are streams: hand them to the route untouched (this plugin's scope only).
  for (const type of ['video/*', 'image/*', 'audio/*', 'application/octet-stream']) {
    app.addContentTypeParser(
      type === 'application/octet-stream' ? type : new RegExp(`^${type.replace('*', '[\\w.+-]+')}`),
      (_request, payload, done) => done(null, payload),
    );
  }

  app.post(
    '/v1/assets',
    {
      onRequest: canWrite,
      bodyLimit: MAX_ANY_PLAN_UPLOAD,
      config: { streamsBody: true },
      schema: {
        tags: ['assets'],
        summary: 'Upload a file by streaming it as the request body; it is probed before it is kept',
        querystring: Type.Object(
          {
            kind: Type.Union(
              [Type.Literal('video'), Type.Literal('logo'), Type.Literal('music'), Type.Literal('image')],
              {
                default: 'video',
              },
            ),
            filename: Type.String({ minLength: 1, maxLength: 255 }),
            projectId: Type.Optional(Uuid),
            tags: Type.Optional(Type.String({ maxLength: 900, description: 'Comma-separated tags' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: AssetView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { plan } = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      const asset = await uploads.upload(principal, plan, {
        kind: request.query.kind ?? 'video',
        filename: request.query.filename,
        projectId: request.query.projectId,
        tags: request.query.tags ? checkedTags(request.query.tags.split(',')) : undefined,
        contentType: request.headers['content-type'] ?? 'application/octet-stream',
        body: request.body as Readable,
      });
      return reply.status(201).send(view(asset));
    },
  );
};

/** Direct uploads to object storage: start one, then complete it. */
const directUploadRoutes: FastifyPluginAsyncTypebox<AssetRoutesOptions> = async (
  app,
  { authenticate, assets, uploads, organizationPlans },
) => {
  const canWrite = allOf(app, [authenticate, requireScope('assets:write')]);

  app.post(
    '/v1/assets/uploads',
    {
      onRequest: canWrite,
      schema: {
        tags: ['assets'],
        summary: 'Start a direct upload to object storage, then POST /v1/assets/{id}/complete',
        description:
          'Files up to 64 MiB get one presigned PUT link. Larger files (or `multipart: true`) are uploaded in parts: ' +
          'ask POST /v1/assets/{id}/parts for part links, PUT each part, and to resume after an interruption ask ' +
          'GET /v1/assets/{id}/parts which parts arrived and send only the others.',
        body: Type.Object(
          {
            kind: Kind,
            filename: Type.String({ minLength: 1, maxLength: 255 }),
            contentType: Type.String({ minLength: 3, maxLength: 100, pattern: '^[\\w.+-]+/[\\w.+-]+$' }),
            sizeBytes: Type.Integer({ minimum: 1 }),
            multipart: Type.Optional(Type.Boolean()),
            projectId: Type.Optional(Uuid),
            tags: Type.Optional(Tags),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ asset: AssetView, upload: Type.Union([SingleUpload, MultipartUpload]) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { plan } = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      const { asset, upload } = await uploads.startDirect(principal, plan, request.body);
      return reply
        .status(201)
        .send({ asset: view(asset), upload: { ...upload, expiresAt: upload.expiresAt.toISOString() } });
    },
  );

  app.post(
    '/v1/assets/:id/complete',
    {
      onRequest: canWrite,
      schema: {
        tags: ['assets'],
        summary: 'Finish a direct upload: the file is probed and kept, or rejected and deleted',
        params: Type.Object({ id: Uuid }),
        response: { 200: AssetView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const asset = await assets.find(principal.organizationId, request.params.id);
      if (!asset) throw notFound('Asset');
      const { plan } = await organizationPlans.resolve(principal.organizationId, callerStanding(request));
      return view(await uploads.completeDirect(principal, asset, plan));
    },
  );
};

/** The parts of a multipart direct upload: links to send them, and which have arrived. */
const multipartRoutes: FastifyPluginAsyncTypebox<AssetRoutesOptions> = async (
  app,
  { authenticate, assets, uploads },
) => {
  const canRead = allOf(app, [authenticate, requireScope('assets:read')]);
  const canWrite = allOf(app, [authenticate, requireScope('assets:write')]);

  app.post(
    '/v1/assets/:id/parts',
    {
      onRequest: canWrite,
      schema: {
        tags: ['assets'],
        summary: 'Presigned links to PUT parts of a multipart upload to (up to 100 per request)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          { partNumbers: Type.Array(Type.Integer({ minimum: 1, maximum: 10_000 }), { minItems: 1, maxItems: 100 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            parts: Type.Array(Type.Object({ partNumber: Type.Integer(), url: Type.String() })),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const asset = await assets.find(principalOf(request).organizationId, request.params.id);
      if (!asset) throw notFound('Asset');
      const links = await uploads.partLinks(asset, request.body.partNumbers);
      return { parts: links.parts, expiresAt: links.expiresAt.toISOString() };
    },
  );

  app.get(
    '/v1/assets/:id/parts',
    {
      onRequest: canRead,
      schema: {
        tags: ['assets'],
        summary: 'The parts of a multipart upload that have arrived (to resume it)',
        params: Type.Object({ id: Uuid }),
        response: {
          200: Type.Object({ partSize: Type.Integer(), partCount: Type.Integer(), uploaded: Type.Array(Part) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const asset = await assets.find(principalOf(request).organizationId, request.params.id);
      if (!asset) throw notFound('Asset');
      return uploads.progress(asset);
    },
  );
};

/** The organization's assets: list, one, and caption previews on a video. */
const libraryRoutes: FastifyPluginAsyncTypebox<AssetRoutesOptions> = async (
  app,
  { authenticate, assets, library, previews, previewsPerMinute },
) => {
  const canRead = allOf(app, [authenticate, requireScope('assets:read')]);
  const canWrite = allOf(app, [authenticate, requireScope('assets:write')]);

  app.get(
    '/v1/assets/tags',
    {
      onRequest: canRead,
      schema: {
        tags: ['assets'],
        summary: "The organization's tags, most used first",
        response: {
          200: Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() })),
          ...errorResponses,
        },
      },
    },
    async (request) => assets.tags(principalOf(request).organizationId),
  );

  app.patch(
    '/v1/assets/:id',
    {
      onRequest: canWrite,
      schema: {
        tags: ['assets'],
        summary: 'File an asset under a project (null: none), replace its tags, or rename it',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            projectId: Type.Optional(Type.Union([Uuid, Type.Null()])),
            tags: Type.Optional(Tags),
            filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: AssetView, ...errorResponses },
      },
    },
    async (request) => view(await library.label(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/assets/:id/link',
    {
      onRequest: canRead,
      schema: {
        tags: ['assets'],
        summary: 'A link to the uploaded file, valid 15 minutes (to play it while choosing trim points)',
        params: Type.Object({ id: Uuid }),
        response: {
          200: Type.Object({ url: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const link = await library.link(principalOf(request), request.params.id);
      return { url: link.url, expiresAt: link.expiresAt.toISOString() };
    },
  );

  app.delete(
    '/v1/assets/:id',
    {
      onRequest: canWrite,
      schema: {
        tags: ['assets'],
        summary: 'Delete an upload and its files now (refused while a render in progress uses it)',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await library.remove(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/assets',
    {
      onRequest: canRead,
      schema: {
        tags: ['assets'],
        summary: 'List assets (newest first); total in Content-Range',
        querystring: ListQuery,
        response: { 200: Type.Array(AssetView), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = parseListParams(request.query, LISTS.assets);
      const { filter } = params;
      const { items, total } = await assets.list(principalOf(request).organizationId, {
        ...params,
        q: stringFilter(filter, 'q'),
        kind: stringFilter(filter, 'kind', ASSET_KINDS) as AssetKind | undefined,
        status: stringFilter(filter, 'status', ASSET_STATUSES) as Asset['status'] | undefined,
        projectId: uuidFilter(filter, 'projectId'),
        uploadedById: uuidFilter(filter, 'uploadedById'),
        tag: stringFilter(filter, 'tag')?.toLowerCase(),
      });
      return sendPage(reply, 'assets', params.offset, items.map(view), total);
    },
  );

  app.get(
    '/v1/assets/:id/caption-preview',
    {
      onRequest: canRead,
      config: perCallerRateLimit(previewsPerMinute),
      schema: {
        tags: ['assets'],
        summary: 'A frame of the video, fitted to the aspect, with a sample caption in the style (image/jpeg)',
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object(
          {
            style: Type.Union(CAPTION_STYLES.map((s) => Type.Literal(s))),
            aspect: Type.Union(
              ASPECTS.map((a) => Type.Literal(a)),
              { default: '9:16' },
            ),
            fit: Type.Optional(
              Type.Union(
                FITS.map((f) => Type.Literal(f)),
                { description: 'How the frame fills the aspect, as the render will fit it (default smart)' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown({ description: 'image/jpeg' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const asset = await assets.find(principalOf(request).organizationId, request.params.id);
      if (!asset) throw notFound('Asset');
      const { style, aspect, fit } = request.query;
      const jpeg = await previews.captionFrame(asset, style, aspect ?? '9:16', fit ?? 'smart');
      return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    },
  );

  app.get(
    '/v1/assets/:id',
    {
      onRequest: canRead,
      schema: {
        tags: ['assets'],
        summary: 'One asset',
        params: Type.Object({ id: Uuid }),
        response: { 200: AssetView, ...errorResponses },
      },
    },
    async (request) => {
      const asset = await assets.find(principalOf(request).organizationId, request.params.id);
      if (!asset) throw notFound('Asset');
      return view(asset);
    },
  );
};

export const assetRoutes: FastifyPluginAsyncTypebox<AssetRoutesOptions> = async (app, options) => {
  for (const routes of [streamedUploadRoutes, directUploadRoutes, multipartRoutes, libraryRoutes])
    await app.register(routes, options);
};
