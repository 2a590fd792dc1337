/**
 * How long a script takes to narrate, as the API judges it against the plan's limit: words at
 * three a second (espeak-ng speaks about 2.9, so this errs towards letting a script through),
 * CJK characters at six. The form uses the same function, so it warns exactly when the API
 * would refuse.
 */
const WORDS_PER_SECOND = 3;

export function estimateNarrationSeconds(script: string): number {
  const words = script.split(/\s+/).filter(Boolean).length;
  const cjk = (script.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu) ?? []).length;
  return (words + cjk / 2) / WORDS_PER_SECOND;
}
