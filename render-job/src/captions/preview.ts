/**
 * A still preview of a caption style: the ASS for one caption, with its first half already
 * "spoken" so karaoke styles show both colours. The control plane burns it onto a frame of the
 * user's video, so the gallery shows the style as the render will (same libass, same fonts).
 */
import type { Aspect, CaptionStyleId } from '../spec.js';
import { segmentScript } from '../text/segment.js';
import { buildAss } from './ass.js';
import { spreadWords } from './timing.js';

export const PREVIEW_SIZES: Record<Aspect, { width: number; height: number }> = {
  '9:16': { width: 360, height: 640 },
  '1:1': { width: 480, height: 480 },
  '16:9': { width: 640, height: 360 },
};

/** The ASS for `text` (its first caption) shown at `at` seconds into a 2-second caption. */
export function captionPreviewAss(style: CaptionStyleId, aspect: Aspect, text: string, at = 1): string {
  const { width, height } = PREVIEW_SIZES[aspect];
  const [segment] = segmentScript(text, { locale: 'en', maxWordsPerLine: aspect === '16:9' ? 7 : 4, maxLines: 2 });
  if (!segment) throw new Error('The preview text is empty.');
  const timed = { index: 0, text, start: 0, end: 2 * at, words: spreadWords(segment.tokens, 0, 2 * at), segment };
  return buildAss([timed], {
    style,
    width,
    height,
    aspect,
    position: 'bottom',
    scale: 1,
    duration: 2 * at,
    enabled: true,
  });
}
