/**
 * The smart crop of an image job: the reframe analysis a render's smart fit uses (saliency by
 * detail, contrast and colour, with faces from the MTCNN detector weighted first), run once
 * on each picture as its edits leave it, then the window of each output's shape that holds
 * most of it. Without the face networks, saliency alone decides.
 */
import sharp, { type Sharp } from 'sharp';
import { FaceDetector } from '../media/reframe/faces.js';
import { weighFaces } from '../media/reframe/face-sampler.js';
import { bestWindow, saliencyProfiles, type SaliencyProfiles } from '../media/reframe/frame-features.js';
import { toOffset } from '../media/reframe/reframe-plan.js';
import type { ImageOutputSpec, ImageSpec } from './image-spec.js';

/** The long side the picture is analysed at (faces from about 3 % of it are found). */
const ANALYSIS_SIZE = 384;

export interface PictureFocus {
  profiles: SaliencyProfiles;
  /** The size of the analysed picture (edited, scaled). */
  width: number;
  height: number;
  faces: number;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A sharp pipeline of the picture upright (EXIF), turned and flipped by the edits, then cut to
 * `box` (the edit's crop box unless given): what transformImage sizes and the analysis reads.
 */
export function editedPicture(
  path: string,
  edits: NonNullable<ImageSpec['edits']>,
  maxPixels: number,
  box: Box | undefined = edits.cropBox,
): Sharp {
  // Animated input: its first frame.
  let image = sharp(path, { limitInputPixels: maxPixels, failOn: 'truncated', autoOrient: true, pages: 1 });
  if (edits.rotate) image = image.rotate(edits.rotate);
  if (edits.flipVertical) image = image.flip();
  if (edits.flipHorizontal) image = image.flop();
  if (box) image = image.extract(box);
  return image;
}

export async function analysePicture(
  path: string,
  spec: Pick<ImageSpec, 'edits' | 'limits'>,
  detector: FaceDetector | undefined,
): Promise<PictureFocus> {
  const { data, info } = await analysisPixels(path, spec);
  const { width, height, channels } = info;
  const grey = new Uint8Array(width * height);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, p = 0; p < grey.length; p++, i += channels) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    grey[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    rgb.set([r, g, b], p * 3);
  }
  const profiles = saliencyProfiles({ width, height, data: grey });
  const faces = detector ? await detector.detect({ width, height, data: rgb }).catch(() => []) : [];
  if (faces.length > 0) weighFaces([{ frame: 0, profiles }], [{ frame: 0, faces }], 1, width, height);
  return { profiles, width, height, faces: faces.length };
}

/** The edited picture at the analysis size, as sRGB pixels. */
async function analysisPixels(path: string, spec: Pick<ImageSpec, 'edits' | 'limits'>) {
  const edits = spec.edits ?? {};
  const scale = { width: ANALYSIS_SIZE, height: ANALYSIS_SIZE, fit: 'inside' as const };
  const edited = editedPicture(path, edits, spec.limits.maxPixels).removeAlpha().toColourspace('srgb');
  // sharp takes one extract before a resize: with a crop box, the edits and the scale are two passes.
  if (!edits.cropBox) return edited.resize(scale).raw().toBuffer({ resolveWithObject: true });
  const full = await edited.raw().toBuffer({ resolveWithObject: true });
  return sharp(full.data, { raw: { width: full.info.width, height: full.info.height, channels: full.info.channels } })
    .resize(scale)
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/**
 * The box of the edited picture (`size`, in its pixels) with the output's shape that holds
 * most of the focus; undefined when the shapes already match.
 */
export function focusBox(
  focus: PictureFocus,
  size: { width: number; height: number },
  output: { width: number; height: number },
): Box | undefined {
  const source = size.width / size.height;
  const target = output.width / output.height;
  if (Math.abs(target / source - 1) < 0.005) return undefined;
  if (target < source) {
    const width = Math.max(1, Math.round(size.height * target));
    const fit = bestWindow(focus.profiles.x, width / size.width);
    const left = Math.round(toOffset(fit.centre, width / size.width) * (size.width - width));
    return { left, top: 0, width, height: size.height };
  }
  const height = Math.max(1, Math.round(size.width / target));
  const fit = bestWindow(focus.profiles.y, height / size.height);
  const top = Math.round(toOffset(fit.centre, height / size.height) * (size.height - height));
  return { left: 0, top, width: size.width, height };
}

/** An output whose crop the analysis places (a smart crop that fills the size). */
export function cropsSmartly(output: Pick<ImageOutputSpec, 'crop' | 'fit'>): boolean {
  return output.crop === 'smart' && (output.fit ?? 'cover') === 'cover';
}

/** The face networks, when the machine has them. */
export function loadFaceDetector(dir: string | undefined): Promise<FaceDetector | undefined> {
  return FaceDetector.load(dir).catch(() => undefined);
}
