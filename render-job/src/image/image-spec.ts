/**
 * The image job's input contract (`kind: "image"`): images in, one file per image and output
 * size, every option explicit. Like the render spec, it names inputs and the destination by
 * location and never carries credentials.
 */
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { RenderError } from '../errors.js';
import { CAPTION_STYLES, LOGO_POSITIONS, OutputLinkSchema, OutputTags } from '../spec.js';
import { IMAGE_FORMATS, type ImageFormat } from './presets.js';

const Location = Type.String({ minLength: 1, maxLength: 2048 });
const Literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as Type.TUnsafe<T[number]>;
const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });

/** A line of text drawn on every output, in a caption style's font and colours. */
export const ImageTextOverlay = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
    style: Type.Optional(Literals(CAPTION_STYLES)),
    position: Type.Optional(Literals(['top', 'center', 'bottom'] as const)),
  },
  { additionalProperties: false },
);

/** A box of a picture, in its pixels. */
export const ImageCropBox = Type.Object(
  {
    left: Type.Integer({ minimum: 0 }),
    top: Type.Integer({ minimum: 0 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

/** Where an overlay's logo goes, and its width as a share of the output's. */
export const LOGO_PLACEMENT = {
  position: Type.Optional(Literals(LOGO_POSITIONS)),
  scale: Type.Optional(Type.Number({ minimum: 0.05, maximum: 0.5 })),
};

export const ImageOutputSpec = Type.Object(
  {
    /** Names the files: `<input name>-<name>.<ext>` (at most 64 characters, as link names are). */
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,27}$' }),
    width: Type.Integer({ minimum: 1, maximum: 8192 }),
    height: Type.Integer({ minimum: 1, maximum: 8192 }),
    format: Literals(IMAGE_FORMATS),
    /** cover: fill and crop; contain: fit inside with the background around; inside: never larger, keeps the shape. */
    fit: Type.Optional(Literals(['cover', 'contain', 'inside'] as const)),
    /** Where cover keeps the picture: the centre, or the part that draws the eye. */
    crop: Type.Optional(Literals(['centre', 'smart'] as const)),
    quality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

export const ImageSpec = Type.Object(
  {
    version: Type.Literal(1),
    kind: Type.Literal('image'),
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }),
    inputs: Type.Array(
      Type.Object(
        { name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,29}$' }), source: Location },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    outputs: Type.Array(ImageOutputSpec, { minItems: 1, maxItems: 20 }),
    /** Applied to every input before it is sized, after its EXIF orientation: rotation, flips, then the crop box. */
    edits: Type.Optional(
      Type.Object(
        {
          /** A box of the picture as turned and flipped by the edits, in its pixels. */
          cropBox: Type.Optional(ImageCropBox),
          rotate: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(90), Type.Literal(180), Type.Literal(270)])),
          flipHorizontal: Type.Optional(Type.Boolean()),
          flipVertical: Type.Optional(Type.Boolean()),
          sharpen: Type.Optional(Type.Boolean()),
          /** Behind transparent pixels, and around a contained picture. */
          background: Type.Optional(Colour),
        },
        { additionalProperties: false },
      ),
    ),
    /** Drawn on every output after sizing: a line of text in a caption style's font and colours, and a logo. */
    overlay: Type.Optional(
      Type.Object(
        {
          text: Type.Optional(ImageTextOverlay),
          logo: Type.Optional(Type.Object({ source: Location, ...LOGO_PLACEMENT }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Kept off by default: EXIF (GPS!), XMP and IPTC never leave unless asked for. */
    keepMetadata: Type.Optional(Type.Boolean()),
    watermark: Type.Optional(
      Type.Object({ text: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false }),
    ),
    limits: Type.Object(
      {
        maxInputBytes: Type.Integer({ minimum: 1 }),
        /** Decoded pixels of one image (a decompression bomb declares billions). */
        maxPixels: Type.Integer({ minimum: 1 }),
        /** Frames of an animated image. */
        maxFrames: Type.Integer({ minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    output: Type.Object(
      {
        destination: Location,
        tags: Type.Optional(OutputTags),
        /** As a render's: one signed link per file imageArtifactNames() lists, instead of storage keys. */
        links: Type.Optional(OutputLinkSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ImageSpec = Static<typeof ImageSpec>;
export type ImageOutputSpec = Static<typeof ImageOutputSpec>;

const check = Compile(ImageSpec);

export function parseImageSpec(value: unknown): ImageSpec {
  if (!check.Check(value)) {
    const first = [...check.Errors(value)][0];
    throw new RenderError(
      'CUTLINE_INVALID_SPEC',
      `The image spec is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'}.`,
    );
  }
  const names = value.outputs.map((o) => o.name);
  if (new Set(names).size !== names.length) throw new RenderError('CUTLINE_INVALID_SPEC', 'Output names must differ.');
  const inputs = value.inputs.map((i) => i.name);
  if (new Set(inputs).size !== inputs.length) throw new RenderError('CUTLINE_INVALID_SPEC', 'Input names must differ.');
  const links = value.output.links;
  const unlinked = links ? imageArtifactNames(value).filter((name) => !links[name]) : [];
  if (unlinked.length > 0)
    throw new RenderError('CUTLINE_INVALID_SPEC', `output.links has no link for ${unlinked.slice(0, 3).join(', ')}.`);
  return value;
}

const EXTENSIONS: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' };

/** The file one input makes for one output. */
export function imageFileName(input: string, output: Pick<ImageOutputSpec, 'name' | 'format'>): string {
  return `${input}-${output.name}.${EXTENSIONS[output.format]}`;
}

/** Every file an image job writes, the manifest last (as signed links must cover them). */
export function imageArtifactNames(spec: Pick<ImageSpec, 'inputs' | 'outputs'>): string[] {
  return [...spec.inputs.flatMap((i) => spec.outputs.map((o) => imageFileName(i.name, o))), 'manifest.json'];
}
