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
      const chunks = balancedChunks(tokens, perSegment, options.locale);
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

/** Punctuation inside a sentence that ends a clause: a good place for a caption to end. */
const CLAUSE_END = /[,;:，、；：…—–)\]"”»]$/u;
/**
 * English words that lean on the word after them. A segment is spoken on its own, so one left
 * at a segment's end is read on its own too ("a" becomes the letter A).
 */
const LEANING_EN = new Set(
  'a an the to of and or but nor in on at for with from by as into onto over under than my your our their his her its this that these those'.split(
    ' ',
  ),
);

/**
 * The sentence in as few chunks of at most `max` tokens as fit, with the breaks chosen (dynamic
 * programming over every split) for even sizes, after clause punctuation where there is some,
 * and never after a word that leans on the next one.
 */
function balancedChunks(tokens: Token[], max: number, locale: string): Token[][] {
  const n = tokens.length;
  const count = Math.ceil(n / max);
  if (count <= 1) return [tokens];
  const ideal = n / count;
  const english = locale.toLowerCase().startsWith('en');
  const breakCost = (end: number): number => {
    if (end === n) return 0;
    const text = tokens[end - 1]!.text;
    if (CLAUSE_END.test(text)) return 0;
    return english && LEANING_EN.has(text.toLowerCase()) ? 26 : 6;
  };
  // cost[j][i]: the best split of the first i tokens into j chunks; from[j][i]: where its last chunk starts.
  const cost = Array.from({ length: count + 1 }, () => new Array<number>(n + 1).fill(Infinity));
  const from = Array.from({ length: count + 1 }, () => new Array<number>(n + 1).fill(0));
  cost[0]![0] = 0;
  for (let j = 1; j <= count; j++) {
    for (let i = j; i <= n; i++) {
      // On a tie the shorter last chunk wins, so larger chunks come first (as balancedSizes does).
      for (let size = 1; size <= Math.min(max, i); size++) {
        const c = cost[j - 1]![i - size]! + (size - ideal) ** 2 + breakCost(i);
        if (c < cost[j]![i]!) {
          cost[j]![i] = c;
          from[j]![i] = i - size;
        }
      }
    }
  }
  const chunks: Token[][] = [];
  for (let j = count, i = n; j > 0; i = from[j]![i]!, j--) chunks.unshift(tokens.slice(from[j]![i]!, i));
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
