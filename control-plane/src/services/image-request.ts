/**
 * What a request for image jobs may ask (POST /v1/images/batches), and how it becomes one
 * image spec per picture: the presets resolved to sizes, the plan's limits and watermark applied.
 */
import {
  IMAGE_FORMATS,
  IMAGE_PRESETS,
  ImageCropBox,
  ImageTextOverlay,
  LOGO_PLACEMENT,
  type ImageFormat,
  type ImageSpec,
} from '@cutline/render-job';
import { IMAGE_BATCH_LIMITS } from '@cutline/contract';
import Type, { type Static } from 'typebox';
import { ApiError } from '../errors.js';
import { Uuid } from '../http/schemas.js';
import type { Plan } from '../plans.js';
import type { CustomImagePreset } from '../repositories/image-presets-repository.js';
import { RETENTION_TAG, type ObjectStore } from '../storage/object-store.js';
import { MAX_IMAGE_FRAMES } from './asset-uploads.js';
import { outputPrefix } from './render-spec-builder.js';

/** Most pictures in one request, and most sizes each. */
export const MAX_IMAGES_PER_REQUEST = IMAGE_BATCH_LIMITS.pictures;
export const MAX_PRESETS_PER_REQUEST = IMAGE_BATCH_LIMITS.presets;
/** Pictures one request may hold on plans without batches. */
export const MAX_IMAGES_WITHOUT_BATCH = IMAGE_BATCH_LIMITS.picturesWithoutBatch;

const Literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as Type.TUnsafe<T[number]>;

export const ImageBatchRequestSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120, pattern: '^[^\\p{Cc}<>]*$' })),
    /** The pictures, from the library; or every ready picture of `fromProjectId`. */
    assetIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: MAX_IMAGES_PER_REQUEST, uniqueItems: true })),
    fromProjectId: Type.Optional(Uuid),
    /** Where the jobs and their files are filed. */
    projectId: Type.Optional(Uuid),
    /** Platform presets by name (instagram-post) or the organization's own by id. */
    presets: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: MAX_PRESETS_PER_REQUEST,
      uniqueItems: true,
    }),
    /** Every output in this format instead of each preset's own. */
    format: Type.Optional(Literals(IMAGE_FORMATS)),
    fit: Type.Optional(Literals(['cover', 'contain', 'inside'] as const)),
    crop: Type.Optional(Literals(['centre', 'smart'] as const)),
    quality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    edits: Type.Optional(
      Type.Object(
        {
          rotate: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(90), Type.Literal(180), Type.Literal(270)])),
          flipHorizontal: Type.Optional(Type.Boolean()),
          flipVertical: Type.Optional(Type.Boolean()),
          sharpen: Type.Optional(Type.Boolean()),
          background: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * A box to cut from a picture before it is sized, by asset id: in the picture's pixels as it
     * stands upright and turned by edits.rotate.
     */
    crops: Type.Optional(Type.Record(Uuid, ImageCropBox, { maxProperties: MAX_IMAGES_PER_REQUEST })),
    /** A line of text on every output, in a caption style's font and colours. */
    text: Type.Optional(ImageTextOverlay),
    /** A logo (an uploaded logo or picture) on every output. */
    logo: Type.Optional(Type.Object({ assetId: Uuid, ...LOGO_PLACEMENT }, { additionalProperties: false })),
    keepMetadata: Type.Optional(Type.Boolean()),
    deleteAfterDownload: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ImageBatchRequest = Static<typeof ImageBatchRequestSchema>;

/** One output size, named as its files will be. */
export interface ResolvedPreset {
  name: string;
  width: number;
  height: number;
  format: ImageFormat;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lower-case letters, digits and dashes, as file names in the spec must be. */
export function slug(text: string, max: number): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

/** Each requested preset as a size, or a 400 naming every one that is not known. */
export function resolvePresets(
  wanted: readonly string[],
  custom: readonly CustomImagePreset[],
  format: ImageFormat | undefined,
): ResolvedPreset[] {
  const issues: Array<{ field: string; message: string }> = [];
  const resolved = wanted.flatMap((id, index): ResolvedPreset[] => {
    const platform = IMAGE_PRESETS.find((p) => p.id === id);
    if (platform)
      return [{ name: platform.id, width: platform.width, height: platform.height, format: platform.format }];
    const own = UUID.test(id) ? custom.find((p) => p.id === id.toLowerCase()) : undefined;
    if (own)
      return [
        {
          name: `custom-${slug(own.name, 14) || 'size'}-${own.id.slice(0, 6)}`,
          width: own.width,
          height: own.height,
          format: own.format as ImageFormat,
        },
      ];
    issues.push({ field: `presets[${index}]`, message: 'is not a platform preset or one of yours' });
    return [];
  });
  if (issues.length > 0)
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      'Some presets are unknown; GET /v1/images/presets lists them.',
      issues,
    );
  return resolved.map((p) => (format ? { ...p, format } : p));
}

/** The engine's spec for one picture to every size. */
export function buildImageSpec(
  inputs: {
    jobId: string;
    organizationId: string;
    assetKey: string;
    filename: string;
    /** This picture's box of `crops`, already checked against its size. */
    cropBox?: { left: number; top: number; width: number; height: number } | undefined;
    /** The logo's object, when the request has one. */
    logoKey?: string | undefined;
    presets: readonly ResolvedPreset[];
    request: ImageBatchRequest;
    plan: Plan;
  },
  store: ObjectStore,
): ImageSpec {
  const { request, plan } = inputs;
  return {
    version: 1,
    kind: 'image',
    id: inputs.jobId,
    inputs: [
      {
        name: slug(inputs.filename.replace(/\.[A-Za-z0-9]{1,5}$/, ''), 30) || 'image',
        source: store.locationFor(inputs.assetKey),
      },
    ],
    outputs: inputs.presets.map((p) => ({
      name: p.name,
      width: p.width,
      height: p.height,
      format: p.format,
      ...(request.fit ? { fit: request.fit } : {}),
      ...(request.crop ? { crop: request.crop } : {}),
      ...(request.quality !== undefined ? { quality: request.quality } : {}),
    })),
    ...(request.edits || inputs.cropBox
      ? { edits: { ...request.edits, ...(inputs.cropBox ? { cropBox: inputs.cropBox } : {}) } }
      : {}),
    ...(request.text || (request.logo && inputs.logoKey)
      ? {
          overlay: {
            ...(request.text ? { text: request.text } : {}),
            ...(request.logo && inputs.logoKey
              ? {
                  logo: {
                    source: store.locationFor(inputs.logoKey),
                    ...(request.logo.position ? { position: request.logo.position } : {}),
                    ...(request.logo.scale !== undefined ? { scale: request.logo.scale } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(request.keepMetadata ? { keepMetadata: true } : {}),
    ...(plan.watermark ? { watermark: { text: 'Made with Cutline' } } : {}),
    limits: { maxInputBytes: plan.maxUploadBytes, maxPixels: plan.maxImagePixels, maxFrames: MAX_IMAGE_FRAMES },
    output: {
      destination: store.locationFor(outputPrefix(inputs.organizationId, inputs.jobId)),
      // The bucket's expiry rules remove what the sweeper ever misses.
      tags: { [RETENTION_TAG]: String(plan.retentionDays) },
    },
  };
}

/**
 * Each picture's crop box, or a 400 naming every box that is not of a picture in the request
 * or does not fit it (upright, then turned by the rotation).
 */
export function checkedCrops(
  request: Pick<ImageBatchRequest, 'crops' | 'edits'>,
  pictures: ReadonlyArray<{ id: string; width: number | null; height: number | null }>,
): Map<string, NonNullable<ImageBatchRequest['crops']>[string]> {
  const boxes = new Map<string, NonNullable<ImageBatchRequest['crops']>[string]>();
  const issues: Array<{ field: string; message: string }> = [];
  const quarter = request.edits?.rotate === 90 || request.edits?.rotate === 270;
  for (const [id, box] of Object.entries(request.crops ?? {})) {
    const picture = pictures.find((p) => p.id === id.toLowerCase());
    if (!picture) {
      issues.push({ field: `crops.${id}`, message: 'is not one of the pictures of this request' });
      continue;
    }
    const [width, height] = quarter ? [picture.height, picture.width] : [picture.width, picture.height];
    if (width !== null && height !== null && (box.left + box.width > width || box.top + box.height > height)) {
      issues.push({ field: `crops.${id}`, message: `does not fit the ${width}×${height} picture` });
      continue;
    }
    boxes.set(picture.id, box);
  }
  if (issues.length > 0) throw new ApiError('CUTLINE_VALIDATION_FAILED', 'Some crop boxes cannot be cut.', issues);
  return boxes;
}
