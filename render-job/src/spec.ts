/**
 * RenderSpec: the render-job's input contract. The control plane builds one per render and
 * ships it as JSON (a file, or a Kubernetes Secret); people write one by hand for the CLI.
 * Versioned: a breaking change adds a new `version` literal and a migration here.
 */
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { RenderError } from './errors.js';
import { compileDefaults } from './spec-defaults.js';

export const ASPECTS = ['9:16', '1:1', '16:9'] as const;
export const FITS = ['smart', 'crop', 'letterbox', 'blur'] as const;
export type Fit = (typeof FITS)[number];
export type Aspect = (typeof ASPECTS)[number];

export const CAPTION_STYLES = ['clean', 'bold-outline', 'pill', 'karaoke', 'pop-in'] as const;
export type CaptionStyleId = (typeof CAPTION_STYLES)[number];

export const LOGO_POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'center'] as const;
export const RESOLUTION_CAPS = [480, 720, 1080, 1440, 2160] as const;

/** Where a file comes from or goes to: a local path, file://, http(s):// or s3://bucket/key. */
const Location = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'A local path, file:// URL, http(s):// URL or s3://bucket/key',
});

const Literals = <T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Union(values.map((v) => Type.Literal(v)) as never, options) as unknown as Type.TUnsafe<T[number]>;

/** Object tags on every uploaded file (s3 destinations), e.g. for the bucket's expiry rules. */
export const OutputTags = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.:/=+@-]{1,128}$' }),
  Type.String({ pattern: '^[A-Za-z0-9_.:/=+@ -]{0,256}$' }),
  { maxProperties: 10 },
);

/** Signed links per output file name (PUT and DELETE, with the headers each PUT must send). */
export const OutputLinkSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
  Type.Object(
    {
      put: Type.String({ pattern: '^https?://', maxLength: 4096 }),
      delete: Type.String({ pattern: '^https?://', maxLength: 4096 }),
      headers: Type.Record(Type.String({ pattern: '^[a-z0-9-]{1,64}$' }), Type.String({ maxLength: 512 }), {
        maxProperties: 8,
      }),
    },
    { additionalProperties: false },
  ),
  { maxProperties: 32 },
);

export const RenderSpecSchema = Type.Object(
  {
    version: Type.Literal(1),
    /** Render id; names outputs and events. Defaults to a random id. */
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' })),
    /** W3C trace context of the request that created the render. */
    traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' })),
    video: Type.Object(
      {
        source: Location,
        /** What to do when the video is shorter than the narration. */
        extend: Type.Optional(Literals(['loop', 'freeze'] as const, { default: 'loop' })),
        /** The part of the source to use, in seconds: from `start` to `end` (the source's end when absent). */
        trim: Type.Optional(
          Type.Object(
            {
              start: Type.Number({ minimum: 0, maximum: 86_400 }),
              end: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    script: Type.Object(
      {
        // No maxLength here: the script limit is checked later with its own error code.
        text: Type.String(),
      },
      { additionalProperties: false },
    ),
    voice: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 128, default: 'espeak:en-us' }),
        /** Speaking rate multiplier, 1 = the engine's normal pace. */
        rate: Type.Optional(Type.Number({ minimum: 0.5, maximum: 2, default: 1 })),
        /** Pitch, 0-100 with 50 neutral (engines map it to their own scale). */
        pitch: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 50 })),
        /** OpenAI-compatible speech server, for voices whose engine is "openai". */
        openai: Type.Optional(
          Type.Object(
            {
              baseUrl: Type.String({ pattern: '^https?://', maxLength: 2048 }),
              model: Type.String({ minLength: 1, maxLength: 128, default: 'tts-1' }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    captions: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        style: Literals(CAPTION_STYLES, { default: 'karaoke' }),
        maxWordsPerLine: Type.Integer({ minimum: 1, maximum: 12, default: 5 }),
        maxLines: Type.Integer({ minimum: 1, maximum: 3, default: 2 }),
        position: Literals(['bottom', 'middle', 'top'] as const, { default: 'bottom' }),
        /** Multiplier on the style's font size. */
        scale: Type.Number({ minimum: 0.5, maximum: 2, default: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    formats: Type.Array(Literals(ASPECTS), { minItems: 1, maxItems: 3, uniqueItems: true, default: ['9:16'] }),
    /** smart: a crop that follows the subject (media/reframe); the same as crop when the shapes match. */
    fit: Literals(FITS, { default: 'smart' }),
    /** Cap on the short side of every output, in pixels (plans set it). */
    maxResolution: Type.Union(
      RESOLUTION_CAPS.map((v) => Type.Literal(v)),
      { default: 1080 },
    ),
    logo: Type.Optional(
      Type.Object(
        {
          source: Location,
          position: Literals(LOGO_POSITIONS, { default: 'top-right' }),
          opacity: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }),
          /** Logo width as a fraction of the output width. */
          scale: Type.Number({ minimum: 0.03, maximum: 0.5, default: 0.15 }),
        },
        { additionalProperties: false },
      ),
    ),
    audio: Type.Object(
      {
        /** The source video's own sound: kept under the voice (ducked) or dropped. */
        original: Literals(['duck', 'drop'] as const, { default: 'duck' }),
        /** Level of the original sound relative to itself, in dB, before ducking. */
        originalGainDb: Type.Number({ minimum: -60, maximum: 0, default: -12 }),
        music: Type.Optional(
          Type.Object(
            {
              source: Location,
              gainDb: Type.Number({ minimum: -60, maximum: 0, default: -18 }),
            },
            { additionalProperties: false },
          ),
        ),
        loudnessLufs: Type.Number({ minimum: -30, maximum: -9, default: -14 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** A text burned in that the viewer cannot remove (the free plan sets it). */
    watermark: Type.Optional(
      Type.Object({ text: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    ),
    limits: Type.Object(
      {
        maxScriptChars: Type.Integer({ minimum: 1, maximum: 50_000, default: 5_000 }),
        maxNarrationSeconds: Type.Number({ minimum: 1, maximum: 3_600, default: 600 }),
        maxInputBytes: Type.Integer({ minimum: 1, default: 4 * 1024 ** 3 }),
        maxInputSeconds: Type.Number({ minimum: 1, default: 3 * 3_600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    encoding: Type.Object(
      {
        // ultrafast is left out: it turns off CABAC, and outputs must be H.264 High profile.
        preset: Literals(['superfast', 'veryfast', 'faster', 'fast', 'medium'] as const, { default: 'veryfast' }),
        crf: Type.Integer({ minimum: 14, maximum: 35, default: 21 }),
        fps: Type.Integer({ minimum: 1, maximum: 60, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    output: Type.Object(
      {
        /** A directory or s3://bucket/prefix/ that receives the outputs and the manifest. */
        destination: Location,
        thumbnail: Type.Boolean({ default: true }),
        sidecars: Type.Boolean({ default: true }),
        /** Object tags on every uploaded file (s3 destinations), e.g. for the bucket's expiry rules. */
        tags: Type.Optional(OutputTags),
        /**
         * Signed links per output file (name → PUT and DELETE), so a render holds no storage
         * credentials: each file goes to its link, with exactly the link's headers. The
         * destination still names the files in the manifest. Every file the render writes must
         * have one (artifactNames() lists them).
         */
        links: Type.Optional(OutputLinkSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'RenderSpecV1' },
);

export type RenderSpecInput = Type.Static<typeof RenderSpecSchema>;
/** A spec after defaults: every defaulted field is present. */
export type RenderSpec = RenderSpecInput & {
  id: string;
  video: RenderSpecInput['video'] & { extend: 'loop' | 'freeze' };
  voice: RenderSpecInput['voice'] & { rate: number; pitch: number };
};

const compiled = Compile(RenderSpecSchema);
const applyDefaults = compileDefaults(RenderSpecSchema);

export interface FieldError {
  path: string;
  message: string;
}

/** Validates an untrusted value and applies defaults (to a copy); throws CUTLINE_INVALID_SPEC with field errors. */
export function parseRenderSpec(input: unknown, makeId: () => string = defaultId): RenderSpec {
  return checkedSpec(applyDefaults(Value.Clone(input)), makeId);
}

/**
 * As parseRenderSpec, for a value built to be the spec and handed over: the defaults are filled
 * in place, without the deep copy (over a third of the check's cost on the API's submission path).
 */
export function adoptRenderSpec(built: object, makeId: () => string = defaultId): RenderSpec {
  return checkedSpec(applyDefaults(built), makeId);
}

function checkedSpec(withDefaults: unknown, makeId: () => string): RenderSpec {
  const candidate = withDefaults as Record<string, unknown>;
  if (!compiled.Check(candidate)) {
    const errors: FieldError[] = [...compiled.Errors(candidate)]
      .filter((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf')
      .slice(0, 20)
      .map((e) => ({ path: e.instancePath || '/', message: e.message }));
    const first = errors[0];
    throw new RenderError(
      'CUTLINE_INVALID_SPEC',
      `Invalid render spec${first ? `: ${first.path} ${first.message}` : ''}`,
      { errors },
    );
  }
  const spec = candidate as RenderSpec;
  spec.id ??= makeId();
  spec.video.extend ??= 'loop';
  spec.voice.rate ??= 1;
  spec.voice.pitch ??= 50;
  return spec;
}

function defaultId(): string {
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Output geometry for an aspect under a short-side cap (even numbers, as H.264 4:2:0 needs). */
export function outputSize(aspect: Aspect, cap: number): { width: number; height: number } {
  const short = cap;
  const long = Math.round((short * 16) / 9 / 2) * 2;
  switch (aspect) {
    case '9:16':
      return { width: short, height: long };
    case '16:9':
      return { width: long, height: short };
    case '1:1':
      return { width: short, height: short };
  }
}

/** File-name-safe label for an aspect: 9:16 → 9x16. */
export function aspectLabel(aspect: Aspect): string {
  return aspect.replace(':', 'x');
}
