/**
 * What an uploaded image is, decided from its bytes (never its name): the container by its
 * signature, then its header by libvips — dimensions, frames, colour space, orientation —
 * within the limits, before any pixel is decoded. SVG and anything unknown are refused, so no
 * image can make the decoder fetch or run anything.
 */
import { open } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { RenderError } from '../errors.js';

export const IMAGE_CONTAINERS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'] as const;
export type ImageContainer = (typeof IMAGE_CONTAINERS)[number];

export interface ImageFacts {
  container: ImageContainer;
  /** Upright, after the EXIF orientation. */
  width: number;
  height: number;
  frames: number;
  space: string;
  depth: string;
  hasAlpha: boolean;
  orientation: number;
  /** A HEIF's coding (hevc, av1); libvips here decodes av1 only. */
  compression?: string;
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** The container its first bytes announce; undefined for anything not on the list. */
export function sniffContainer(head: Buffer): ImageContainer | 'svg' | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  const ascii = head.toString('latin1');
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*')) return 'tiff';
  if (ascii.slice(4, 8) === 'ftyp') {
    const brand = ascii.slice(8, 12);
    if (AVIF_BRANDS.has(brand)) return 'avif';
    if (HEIF_BRANDS.has(brand)) return 'heif';
  }
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(ascii)) return 'svg';
  return undefined;
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

export async function inspectImage(
  path: string,
  limits: { maxPixels: number; maxFrames: number },
): Promise<ImageFacts> {
  const container = sniffContainer(await readHead(path));
  if (container === 'svg')
    throw new RenderError(
      'CUTLINE_IMAGE_FORMAT_NOT_ALLOWED',
      'SVG is not accepted (it can name other files and hold scripts): export it as PNG.',
    );
  if (!container)
    throw new RenderError(
      'CUTLINE_IMAGE_NOT_IMAGE',
      'The file is not a JPEG, PNG, WebP, AVIF, HEIF, GIF or TIFF image.',
    );
  let meta: Metadata;
  try {
    // The header only: a bomb's declared size is read, not decoded.
    meta = await sharp(path, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (err) {
    throw new RenderError('CUTLINE_IMAGE_CORRUPT', `The image cannot be read: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new RenderError('CUTLINE_IMAGE_CORRUPT', 'The image declares no size.');
  if (width * height > limits.maxPixels)
    throw new RenderError(
      'CUTLINE_IMAGE_TOO_LARGE',
      `The image is ${width}×${height} (${Math.round((width * height) / 1e6)} megapixels); at most ${Math.round(limits.maxPixels / 1e6)} are allowed.`,
      { width, height, maxPixels: limits.maxPixels },
    );
  const frames = meta.pages ?? 1;
  if (frames > limits.maxFrames)
    throw new RenderError(
      'CUTLINE_IMAGE_TOO_MANY_FRAMES',
      `The image has ${frames} frames; at most ${limits.maxFrames} are allowed.`,
      { frames, maxFrames: limits.maxFrames },
    );
  const orientation = meta.orientation ?? 1;
  const turned = orientation >= 5 && orientation <= 8;
  return {
    container,
    width: turned ? height : width,
    height: turned ? width : height,
    frames,
    space: meta.space ?? 'srgb',
    depth: meta.depth ?? 'uchar',
    hasAlpha: meta.hasAlpha ?? false,
    orientation,
    ...(meta.compression ? { compression: meta.compression } : {}),
  };
}
