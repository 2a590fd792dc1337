/**
 * What is drawn on a picture once it has its size: a line of text in a caption style's font,
 * size and colours (librsvg renders an SVG we write, the text escaped, nothing referenced), a
 * logo scaled to a share of the width, and the plan's watermark. Each becomes one sharp
 * composite layer.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { CAPTION_TEMPLATES } from '../captions/styles.js';
import type { ImageSpec } from './image-spec.js';

type TextOverlay = NonNullable<NonNullable<ImageSpec['overlay']>['text']>;
type LogoPosition = NonNullable<NonNullable<NonNullable<ImageSpec['overlay']>['logo']>['position']>;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An ASS colour (&HAABBGGRR, alpha 00 = opaque) as an SVG colour and opacity. */
export function assColour(ass: string): { colour: string; opacity: number } {
  const hex = ass.replace(/^&H/i, '').padStart(8, '0');
  const alpha = parseInt(hex.slice(0, 2), 16);
  return {
    colour: `#${hex.slice(6, 8)}${hex.slice(4, 6)}${hex.slice(2, 4)}`,
    opacity: Math.round((1 - alpha / 255) * 100) / 100,
  };
}

/** Lines of at most `perLine` characters, broken between words (a word longer than a line stays whole). */
function wrap(text: string, perLine: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.slice(0, 6);
}

/** The text as an SVG layer of the output's size, in the style's font, size, colours and outline or box. */
export function textLayer(text: TextOverlay, width: number, height: number): Buffer {
  const style = CAPTION_TEMPLATES[text.style ?? 'bold-outline'];
  const short = Math.min(width, height);
  const size = Math.max(10, Math.round(style.size * short));
  // Noto Sans averages about 0.55 em a character; lines keep to 90 % of the width.
  const lines = wrap(text.content, Math.max(4, Math.floor((width * 0.9) / (size * 0.55))));
  const lineHeight = Math.round(size * 1.25);
  const block = lineHeight * lines.length;
  const position = text.position ?? 'bottom';
  const top =
    position === 'top'
      ? Math.round(short * 0.06)
      : position === 'center'
        ? Math.round((height - block) / 2)
        : height - block - Math.round(short * 0.08);
  const fill = assColour(style.primary);
  const outline = assColour(style.outline);
  const back = assColour(style.back);
  const stroke = Math.max(1, Math.round(style.outlineWidth * short * 2));
  const weight = style.bold ? 700 : 400;
  const rows = lines.map((line, i) => {
    const y = top + i * lineHeight + Math.round(size * 0.95);
    const box =
      style.borderStyle === 3
        ? `<rect x="${Math.round(width / 2 - (line.length * size * 0.55) / 2 - size * 0.4)}" y="${y - size}" width="${Math.round(line.length * size * 0.55 + size * 0.8)}" height="${Math.round(size * 1.3)}" rx="${Math.round(size * 0.3)}" fill="${back.colour}" fill-opacity="${back.opacity}"/>`
        : '';
    const outlined =
      style.borderStyle === 1
        ? ` stroke="${outline.colour}" stroke-opacity="${outline.opacity}" stroke-width="${stroke}" paint-order="stroke" stroke-linejoin="round"`
        : '';
    return `${box}<text x="${width / 2}" y="${y}" text-anchor="middle" font-family="${escapeXml(style.font)}" font-weight="${weight}" font-size="${size}" fill="${fill.colour}" fill-opacity="${fill.opacity}"${outlined}>${escapeXml(line)}</text>`;
  });
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rows.join('')}</svg>`,
  );
}

/** A text watermark in the bottom-right corner. */
export function watermarkLayer(text: string, width: number, height: number): Buffer {
  const size = Math.max(12, Math.round(Math.min(width, height) * 0.04));
  const margin = Math.round(size * 0.8);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="${width - margin}" y="${height - margin}" text-anchor="end" font-family="sans-serif" font-size="${size}" ` +
      `fill="#ffffff" fill-opacity="0.8" stroke="#000000" stroke-opacity="0.5" stroke-width="${Math.max(1, Math.round(size / 16))}">` +
      `${escapeXml(text)}</text></svg>`,
  );
}

const GRAVITY: Record<LogoPosition, string> = {
  'top-left': 'northwest',
  'top-right': 'northeast',
  'bottom-left': 'southwest',
  'bottom-right': 'southeast',
  center: 'centre',
};

/** The logo (a decoded local file) at `scale` of the output's width, inset by a margin, as a layer. */
export async function logoLayer(
  path: string,
  logo: { position?: LogoPosition; scale?: number },
  width: number,
  height: number,
  maxPixels: number,
): Promise<OverlayOptions> {
  const margin = Math.round(Math.min(width, height) * 0.03);
  const target = Math.max(8, Math.min(width - 2 * margin, Math.round(width * (logo.scale ?? 0.2))));
  const fitted = await sharp(path, { limitInputPixels: maxPixels, failOn: 'truncated', autoOrient: true, pages: 1 })
    .resize({ width: target, height: Math.max(8, height - 2 * margin), fit: 'inside' })
    .extend({ top: margin, bottom: margin, left: margin, right: margin, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
  return { input: fitted, gravity: GRAVITY[logo.position ?? 'bottom-right'] };
}
