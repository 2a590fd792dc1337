/**
 * Splits a script into caption segments: paragraphs, then sentences, then chunks of at most
 * maxWordsPerLine × maxLines words, each chunk broken into lines. Each segment is synthesised
 * on its own, so its audio length gives its exact caption timing (DESIGN §6).
 *
 * Word boundaries come from Intl.Segmenter, so scripts without spaces (Chinese, Japanese, Thai)
 * split into words too; punctuation stays attached to the word before it.
 */

export interface Token {
  /** The word as displayed, with its trailing punctuation. */
  text: string;
  /** Whether a space separates this token from the previous one in the original text. */
  spaceBefore: boolean;
}

export type Boundary = 'paragraph' | 'sentence' | 'clause';

export interface Segment {
  index: number;
  tokens: Token[];
  /** Token counts per displayed line (sums to tokens.length). */
  lineBreaks: number[];
  /** What ends this segment: decides the pause after it. */
  boundary: Boundary;
}

export interface SegmentOptions {
  locale: string;
  maxWordsPerLine: number;
  maxLines: number;
}

export function segmentScript(text: string, options: SegmentOptions): Segment[] {
  const segments: Segment[] = [];
  const sentenceSegmenter = new Intl.Segmenter(safeLocale(options.locale), { granularity: 'sentence' });
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const perSegment = options.maxWordsPerLine * options.maxLines;

  paragraphs.forEach((paragraph, pIndex) => {
    const sentences = [...sentenceSegmenter.segment(paragraph.replace(/\s+/g, ' '))]
      .map((s) => s.segment.trim())
      .filter((s) => s.length > 0);
    sentences.forEach((sentence, sIndex) => {
      const tokens = tokenize(sentence, options.locale);
      if (tokens.length === 0) return;
      const chunks = balancedChunks(tokens, perSegment);
      chunks.forEach((chunk, cIndex) => {
        const lastChunk = cIndex === chunks.length - 1;
        const lastSentence = sIndex === sentences.length - 1;
        const boundary: Boundary = !lastChunk
          ? 'clause'
          : lastSentence && pIndex < paragraphs.length - 1
            ? 'paragraph'
            : 'sentence';
        segments.push({
          index: segments.length,
          tokens: chunk,
          lineBreaks: balancedSizes(chunk.length, Math.ceil(chunk.length / options.maxWordsPerLine)),
          boundary,
        });
      });
    });
  });
  return segments;
}

/** Scripts written without spaces between words: split these with Intl.Segmenter. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/**
 * Word tokens of one sentence. Whitespace separates tokens; a chunk in an unspaced script is
 * split further at the segmenter's word boundaries, with punctuation kept on the word before
 * it (or, leading, on the word after it). Concatenating the tokens gives back the sentence,
 * character for character, so nothing the user typed is dropped or reordered.
 */
export function tokenize(sentence: string, locale: string): Token[] {
  const tokens: Token[] = [];
  const segmenter = new Intl.Segmenter(safeLocale(locale), { granularity: 'word' });
  for (const chunk of sentence.split(/\s+/u)) {
    if (chunk.length === 0) continue;
    if (!UNSPACED.test(chunk)) {
      tokens.push({ text: chunk, spaceBefore: tokens.length > 0 });
      continue;
    }
    let current = '';
    let hasWord = false;
    let first = true;
    for (const part of segmenter.segment(chunk)) {
      if (part.isWordLike && hasWord) {
        tokens.push({ text: current, spaceBefore: first && tokens.length > 0 });
        first = false;
        current = '';
        hasWord = false;
      }
      current += part.segment;
      hasWord ||= Boolean(part.isWordLike);
    }
    if (current.length > 0) tokens.push({ text: current, spaceBefore: first && tokens.length > 0 });
  }
  return tokens;
}

/** Splits n items into `parts` sizes that differ by at most one (larger first). */
export function balancedSizes(n: number, parts: number): number[] {
  const count = Math.max(1, Math.min(parts, n));
  const base = Math.floor(n / count);
  const extra = n % count;
  return Array.from({ length: count }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Chunks of at most `max` tokens, balanced so no chunk is a lonely tail word. */
function balancedChunks(tokens: Token[], max: number): Token[][] {
  const sizes = balancedSizes(tokens.length, Math.ceil(tokens.length / max));
  const chunks: Token[][] = [];
  let start = 0;
  for (const size of sizes) {
    chunks.push(tokens.slice(start, start + size));
    start += size;
  }
  return chunks;
}

/** The text of some tokens, spaced as in the script. */
export function joinTokens(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (i > 0 && t.spaceBefore ? ' ' : '') + t.text).join('');
}

/** The displayed lines of a segment. */
export function segmentLines(segment: Segment): Token[][] {
  const lines: Token[][] = [];
  let start = 0;
  for (const size of segment.lineBreaks) {
    lines.push(segment.tokens.slice(start, start + size));
    start += size;
  }
  return lines;
}

function safeLocale(locale: string): string {
  try {
    return Intl.Segmenter.supportedLocalesOf([locale])[0] ?? 'en';
  } catch {
    return 'en';
  }
}
