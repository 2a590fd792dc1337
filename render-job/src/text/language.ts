/**
 * Which language a script is in, and which writing system it is written in, so `voice: "auto"`
 * can pick a voice that reads it, and an explicit voice that cannot is refused. The writing
 * system comes from the letters' Unicode scripts; the language within it from franc (trigram
 * statistics over the UDHR's languages). A script of several follows the majority, and says so.
 */
import { francAll } from 'franc-min';
import { iso6393To1 } from 'iso-639-3';

export type WritingSystem =
  | 'latin'
  | 'cyrillic'
  | 'greek'
  | 'arabic'
  | 'hebrew'
  | 'japanese'
  | 'han'
  | 'hangul'
  | 'devanagari'
  | 'thai'
  | 'other';

const SCRIPTS: Array<[WritingSystem, RegExp]> = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['japanese', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['han', /\p{Script=Han}/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['devanagari', /\p{Script=Devanagari}/u],
  ['thai', /\p{Script=Thai}/u],
];

/** Individual languages franc names whose voices go by the macrolanguage's code. */
const MACRO: Record<string, string> = {
  arb: 'ar',
  cmn: 'zh',
  pes: 'fa',
  zsm: 'ms',
  ekk: 'et',
  lvs: 'lv',
  npi: 'ne',
  uzn: 'uz',
  azj: 'az',
  khk: 'mn',
  swh: 'sw',
  ydd: 'yi',
  plt: 'mg',
};

export interface DetectedLanguage {
  /** ISO 639-1 where there is one (`en`, `ja`, `ar`), else ISO 639-3; `und` when unknown. */
  language: string;
  writingSystem: WritingSystem;
  /** More than a fifth of the letters are in another writing system. */
  mixed: boolean;
}

/**
 * `only`: ISO 639-1 codes to choose among (the languages voices are installed for), so a short
 * script is not taken for a language nothing could read anyway.
 */
export function detectLanguage(text: string, only?: readonly string[]): DetectedLanguage {
  const counts = new Map<WritingSystem, number>();
  for (const char of text) {
    const found = SCRIPTS.find(([, pattern]) => pattern.test(char));
    if (found) counts.set(found[0], (counts.get(found[0]) ?? 0) + 1);
  }
  // Kanji count with kana: a Japanese text writes both.
  if ((counts.get('japanese') ?? 0) > 0) {
    counts.set('japanese', (counts.get('japanese') ?? 0) + (counts.get('han') ?? 0));
    counts.delete('han');
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const total = ranked.reduce((n, [, c]) => n + c, 0);
  const writingSystem = ranked[0]?.[0] ?? 'other';
  const mixed = total > 0 && total - (ranked[0]?.[1] ?? 0) > total / 5;
  return { language: languageIn(text, writingSystem, only), writingSystem, mixed };
}

/** franc's ISO 639-3 codes for ISO 639-1 ones (macrolanguages by their main individual one). */
function toIso6393(codes: readonly string[]): string[] {
  const wanted = new Set(codes.map((c) => c.toLowerCase().split(/[-_]/)[0]!));
  const fromMacro = Object.entries(MACRO)
    .filter(([, one]) => wanted.has(one))
    .map(([three]) => three);
  return [
    ...Object.entries(iso6393To1)
      .filter(([, one]) => wanted.has(one))
      .map(([three]) => three),
    ...fromMacro,
  ];
}

/** Short Latin texts look like several languages; English is taken when it scores this close to the best. */
const ENGLISH_MARGIN = 0.85;

function languageIn(text: string, writingSystem: WritingSystem, only?: readonly string[]): string {
  switch (writingSystem) {
    case 'japanese':
      return 'ja';
    case 'han':
      return 'zh';
    case 'hangul':
      return 'ko';
    case 'greek':
      return 'el';
    case 'hebrew':
      return 'he';
    case 'thai':
      return 'th';
    default: {
      const candidates = only ? toIso6393(only) : undefined;
      const scores = francAll(text, {
        minLength: 3,
        ...(candidates && candidates.length > 0 ? { only: candidates } : {}),
      });
      let code = scores[0]?.[0] ?? 'und';
      if (writingSystem === 'latin' && (scores.find(([c]) => c === 'eng')?.[1] ?? 0) >= ENGLISH_MARGIN) code = 'eng';
      if (code === 'und') return 'und';
      return MACRO[code] ?? iso6393To1[code] ?? code;
    }
  }
}

const LATIN = new Set(
  'en fr de es it pt nl sv da nb nn no fi pl cs sk sl hr bs ro hu tr id ms vi ca eu gl et lv lt sq af sw cy ga gd is eo la lb mt az uz tk ht haw mi qu'.split(
    ' ',
  ),
);

/** The writing systems a voice of this language reads (undefined: any, as far as we know). */
export function writingSystemsOf(language: string): WritingSystem[] | undefined {
  const base = language.toLowerCase().split(/[-_]/)[0]!;
  if (['ja'].includes(base)) return ['japanese', 'han', 'latin'];
  if (['zh', 'cmn', 'yue', 'hak'].includes(base)) return ['han', 'latin'];
  if (base === 'ko') return ['hangul', 'han', 'latin'];
  if (['ar', 'fa', 'ur', 'ug', 'ps', 'sd', 'ku'].includes(base)) return ['arabic', 'latin'];
  if (base === 'he') return ['hebrew'];
  if (['ru', 'uk', 'bg', 'be', 'mk', 'sr', 'kk', 'ky', 'tt', 'ba', 'cv', 'mn'].includes(base))
    return ['cyrillic', 'latin'];
  if (['el', 'grc'].includes(base)) return ['greek'];
  if (['hi', 'mr', 'ne', 'kok', 'sa'].includes(base)) return ['devanagari', 'latin'];
  if (base === 'th') return ['thai'];
  if (LATIN.has(base)) return ['latin'];
  return undefined;
}
