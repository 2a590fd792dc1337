/**
 * Word timings inside a segment whose engine gave none: the voiced span of the clip is shared
 * between words by their estimated spoken weight (syllables, plus pauses at punctuation).
 */
import type { Token } from '../text/segment.js';

export interface TimedWord {
  text: string;
  start: number;
  end: number;
}

/** Rough spoken weight of a token: vowel groups for alphabetic scripts, one per CJK character. */
export function spokenWeight(token: string): number {
  let weight = 0;
  // Han, kana, hangul syllables and Thai are roughly one syllable per character.
  weight += (
    token.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu) ?? []
  ).length;
  const latinLike = token.replace(
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu,
    '',
  );
  weight += (latinLike.match(/[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœаеёиоуыэюяαεηιουω]+/giu) ?? []).length;
  // Digits are read as words: "2026" takes about as long as four syllables.
  weight += (latinLike.match(/\p{N}/gu) ?? []).length;
  // Scripts without written vowels (Arabic, Hebrew): one syllable per ~2.5 letters.
  if (weight === 0) weight = Math.max(1, Math.round((latinLike.match(/\p{L}/gu) ?? []).length / 2.5));
  if (/[,;:]$/u.test(token)) weight += 0.6;
  else if (/[.!?…。！？]$/u.test(token)) weight += 0.9;
  return Math.max(1, weight);
}

/**
 * Spreads `tokens` over [start, end) in proportion to their weights. Each word ends where the
 * next begins, so the highlight never has gaps, and the last ends exactly at `end`.
 */
export function spreadWords(tokens: readonly Token[], start: number, end: number): TimedWord[] {
  const weights = tokens.map((t) => spokenWeight(t.text));
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, end - start);
  const words: TimedWord[] = [];
  let at = start;
  tokens.forEach((token, i) => {
    const next = i === tokens.length - 1 ? end : at + (span * weights[i]!) / total;
    words.push({ text: token.text, start: round3(at), end: round3(next) });
    at = next;
  });
  return words;
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
