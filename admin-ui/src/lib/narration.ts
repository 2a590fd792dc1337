/**
 * The narration-length estimate the API applies to a script (render-submissions.ts): words at
 * three a second, CJK characters at six. Kept identical so the form warns exactly when the
 * API would refuse.
 */
const WORDS_PER_SECOND = 3;

export function estimateNarrationSeconds(script: string): number {
  const words = script.split(/\s+/).filter(Boolean).length;
  const cjk = (script.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu) ?? []).length;
  return (words + cjk / 2) / WORDS_PER_SECOND;
}
