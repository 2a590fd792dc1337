/**
 * One input to one output with sharp (libvips): upright by its EXIF orientation first, then
 * the edits (crop box, rotation, flips), the size (cover, contain, inside; the smart crop keeps
 * what draws the eye), sharpening, the overlays (overlay.ts), and the format at its quality. Metadata is
 * dropped unless asked for, so a phone's GPS position never leaves with the picture.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { RenderError } from '../errors.js';
import type { ImageFacts } from './inspect.js';
import type { ImageOutputSpec, ImageSpec } from './image-spec.js';
import { logoLayer, textLayer, watermarkLayer } from './overlay.js';
import { cropsSmartly, editedPicture, focusBox, type PictureFocus } from './subject-focus.js';

export interface TransformResult {
  width: number;
  height: number;
  bytes: number;
}

const WHITE = '#ffffff';

type Edits = NonNullable<ImageSpec['edits']>;

/** The picture's size once upright and turned by the edit's rotation: what a crop box is a box of. */
function turnedSize(facts: Pick<ImageFacts, 'width' | 'height'>, edits: Edits): { width: number; height: number } {
  const quarter = edits.rotate === 90 || edits.rotate === 270;
  return quarter ? { width: facts.height, height: facts.width } : { width: facts.width, height: facts.height };
}

function checkCropBox(box: NonNullable<Edits['cropBox']>, size: { width: number; height: number }): void {
  if (box.left + box.width > size.width || box.top + box.height > size.height)
    throw new RenderError(
      'CUTLINE_IMAGE_CROP_OUTSIDE',
      `The crop box ${box.width}×${box.height} at ${box.left},${box.top} does not fit the ${size.width}×${size.height} picture.`,
    );
}

/** The size the pipeline makes: the box for cover and contain; inside keeps the shape and never enlarges. */
export function outputSize(
  facts: Pick<ImageFacts, 'width' | 'height'>,
  edits: Edits,
  output: Pick<ImageOutputSpec, 'width' | 'height' | 'fit'>,
): { width: number; height: number } {
  if ((output.fit ?? 'cover') !== 'inside') return { width: output.width, height: output.height };
  const turned = turnedSize(facts, edits);
  const w = edits.cropBox?.width ?? turned.width;
  const h = edits.cropBox?.height ?? turned.height;
  const scale = Math.min(1, output.width / w, output.height / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** The smart crop as a box of the turned picture (inside the edit's crop box, when there is one). */
function subjectBox(
  facts: ImageFacts,
  edits: Edits,
  output: ImageOutputSpec,
  focus: PictureFocus,
): { left: number; top: number; width: number; height: number } | undefined {
  const within = edits.cropBox ?? { left: 0, top: 0, ...turnedSize(facts, edits) };
  const box = focusBox(focus, within, output);
  return box && { ...box, left: within.left + box.left, top: within.top + box.top };
}

export async function transformImage(
  path: string,
  facts: ImageFacts,
  spec: Pick<ImageSpec, 'edits' | 'keepMetadata' | 'watermark' | 'limits' | 'overlay'>,
  output: ImageOutputSpec,
  target: string,
  /** The overlay's logo, fetched to a local file. */
  logoPath?: string,
  /** The picture's analysis, for smart cover crops. */
  focus?: PictureFocus,
): Promise<TransformResult> {
  const edits = spec.edits ?? {};
  const background = edits.background ?? WHITE;
  if (edits.cropBox) checkCropBox(edits.cropBox, turnedSize(facts, edits));
  const fit = output.fit ?? 'cover';
  // Turned and flipped first, so the crop box is a box of the picture as the person sees it;
  // a smart cover crop is then cut from it where the picture's focus is.
  const subject = cropsSmartly(output) && focus ? subjectBox(facts, edits, output, focus) : undefined;
  let image = editedPicture(path, edits, spec.limits.maxPixels, subject ?? edits.cropBox);
  image = image.resize({
    width: output.width,
    height: output.height,
    fit,
    // Without the analysis (no focus given), libvips' attention strategy stands in.
    position: output.crop === 'smart' && !subject ? sharp.strategy.attention : 'centre',
    background,
    withoutEnlargement: fit === 'inside',
  });
  // JPEG has no transparency: what was transparent becomes the background.
  if (output.format === 'jpeg' || edits.background) image = image.flatten({ background });
  if (edits.sharpen) image = image.sharpen();
  // Drawn after the resize, at the output's size: text, logo, then the plan's watermark on top.
  const { width, height } = outputSize(facts, edits, output);
  const layers: OverlayOptions[] = [];
  if (spec.overlay?.text) layers.push({ input: textLayer(spec.overlay.text, width, height) });
  if (spec.overlay?.logo && logoPath)
    layers.push(await logoLayer(logoPath, spec.overlay.logo, width, height, spec.limits.maxPixels));
  if (spec.watermark) layers.push({ input: watermarkLayer(spec.watermark.text, width, height), gravity: 'southeast' });
  if (layers.length > 0) image = image.composite(layers);
  if (spec.keepMetadata) image = image.keepMetadata();
  const quality = output.quality;
  switch (output.format) {
    case 'jpeg':
      image = image.jpeg({ quality: quality ?? 82, mozjpeg: true });
      break;
    case 'png':
      image = image.png({ compressionLevel: 9, ...(quality ? { quality, palette: quality < 100 } : {}) });
      break;
    case 'webp':
      image = image.webp({ quality: quality ?? 80 });
      break;
    case 'avif':
      image = image.avif({ quality: quality ?? 50 });
      break;
  }
  try {
    const info = await image.toFile(target);
    return { width: info.width, height: info.height, bytes: info.size };
  } catch (err) {
    if (err instanceof RenderError) throw err;
    const message = (err as Error).message;
    if (/pixel limit/i.test(message))
      throw new RenderError('CUTLINE_IMAGE_TOO_LARGE', 'The image has more pixels than allowed.', undefined, {
        cause: err,
      });
    if (/compression format has not been built in|not been built|unsupported/i.test(message))
      throw new RenderError(
        'CUTLINE_IMAGE_FORMAT_NOT_ALLOWED',
        `This image's coding cannot be decoded here (${message.split('\n')[0]}).`,
        undefined,
        { cause: err },
      );
    throw new RenderError(
      'CUTLINE_IMAGE_CORRUPT',
      `The image cannot be decoded: ${message.split('\n')[0]}`,
      undefined,
      {
        cause: err,
      },
    );
  }
}
