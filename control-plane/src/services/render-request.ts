/** The body of POST /v1/renders (and one CSV row of a batch). */
import Type from 'typebox';
import { ASPECTS, CAPTION_STYLES, normaliseScript, RenderError } from '@cutline/render-job';
import { FITS, type Fit } from '@cutline/contract';
import { ApiError, isApiErrorCode } from '../errors.js';

/** The longest script a request may carry. */
export const MAX_SCRIPT_CHARS = 20_000;

const literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as Type.TUnsafe<T[number]>;
const Uuid = Type.String({ format: 'uuid' });

export const RenderRequestSchema = Type.Object(
  {
    assetId: Uuid,
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    projectId: Type.Optional(Uuid),
    deleteAfterDownload: Type.Optional(
      Type.Boolean({ description: 'Delete each file once it has been downloaded in full' }),
    ),
    script: Type.String({ minLength: 1, maxLength: MAX_SCRIPT_CHARS }),
    voice: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A voice id from GET /v1/voices' })),
    rate: Type.Optional(Type.Number({ minimum: 0.5, maximum: 2 })),
    pitch: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    captionStyle: Type.Optional(literals(CAPTION_STYLES)),
    captions: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          position: Type.Optional(literals(['bottom', 'middle', 'top'] as const)),
          maxWordsPerLine: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
        },
        { additionalProperties: false },
      ),
    ),
    formats: Type.Optional(Type.Array(literals(ASPECTS), { minItems: 1, maxItems: 3, uniqueItems: true })),
    fit: Type.Optional(
      Type.Unsafe<Fit>({
        ...literals(FITS),
        description: 'smart (the default): a crop that follows the subject; crop: the centre; letterbox; blur',
      }),
    ),
    extend: Type.Optional(literals(['loop', 'freeze'] as const)),
    trim: Type.Optional(
      Type.Object(
        {
          start: Type.Number({ minimum: 0, maximum: 86_400, description: 'In point, seconds into the video' }),
          end: Type.Optional(
            Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'Out point (default: the end)' }),
          ),
        },
        {
          additionalProperties: false,
          description: 'The part of the video to use; the narration still decides the length (loop or freeze)',
        },
      ),
    ),
    maxResolution: Type.Optional(
      Type.Union([Type.Literal(480), Type.Literal(720), Type.Literal(1080), Type.Literal(1440), Type.Literal(2160)]),
    ),
    logo: Type.Optional(
      Type.Object(
        {
          assetId: Uuid,
          position: Type.Optional(
            literals(['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center'] as const),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    audio: Type.Optional(
      Type.Object(
        { original: Type.Optional(literals(['duck', 'drop'] as const)), musicAssetId: Type.Optional(Uuid) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type RenderRequest = Type.Static<typeof RenderRequestSchema>;

/** The script as renders read it (normalised, within 20,000 characters), or the API's error naming the field. */
export function checkedScript(text: string): string {
  try {
    return normaliseScript(text, MAX_SCRIPT_CHARS);
  } catch (err) {
    if (err instanceof RenderError && isApiErrorCode(err.code))
      throw new ApiError(err.code, err.message, [{ field: 'script', message: err.message }]);
    throw err;
  }
}

/** Trim points against the video's length: inside it and in order, or the API's error naming the field. */
export function checkTrim(trim: RenderRequest['trim'], durationSeconds: number | null): void {
  if (!trim) return;
  const fail = (field: 'trim.start' | 'trim.end', message: string) =>
    new ApiError('CUTLINE_VALIDATION_FAILED', `The ${field === 'trim.start' ? 'in' : 'out'} point ${message}.`, [
      { field, message },
    ]);
  if (trim.end !== undefined && trim.end - trim.start < 0.1)
    throw fail('trim.end', 'must be at least 0.1 s after the in point');
  if (durationSeconds === null) return;
  if (trim.start >= durationSeconds)
    throw fail('trim.start', `must be before the end of the video (${durationSeconds.toFixed(1)} s)`);
  if (trim.end !== undefined && trim.end > durationSeconds + 0.1)
    throw fail('trim.end', `must be within the video (${durationSeconds.toFixed(1)} s)`);
}
