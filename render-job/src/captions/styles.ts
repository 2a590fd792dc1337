/**
 * Caption templates. Sizes are fractions of the output's short side so a template looks the
 * same at 720p and 4K and in every aspect. Colours are ASS &HAABBGGRR (alpha 00 = opaque).
 */
import type { CaptionStyleId } from '../spec.js';

export interface CaptionTemplate {
  id: CaptionStyleId;
  label: string;
  description: string;
  font: string;
  bold: boolean;
  /** Font size as a fraction of the short side. */
  size: number;
  primary: string;
  /** Colour of words not yet spoken (karaoke-type templates). */
  secondary: string;
  outline: string;
  back: string;
  /** 1 = outline + shadow, 3 = opaque box. */
  borderStyle: 1 | 3;
  /** Outline (or box padding) and shadow as fractions of the short side. */
  outlineWidth: number;
  shadow: number;
  /** How words are revealed: all at once, highlighted as spoken, or appearing as spoken. */
  reveal: 'static' | 'karaoke' | 'pop';
}

export const CAPTION_TEMPLATES: Record<CaptionStyleId, CaptionTemplate> = {
  clean: {
    id: 'clean',
    label: 'Clean',
    description: 'White text with a thin outline and soft shadow.',
    font: 'Noto Sans',
    bold: false,
    size: 0.056,
    primary: '&H00FFFFFF',
    secondary: '&H00FFFFFF',
    outline: '&H00101010',
    back: '&H80000000',
    borderStyle: 1,
    outlineWidth: 0.0025,
    shadow: 0.002,
    reveal: 'static',
  },
  'bold-outline': {
    id: 'bold-outline',
    label: 'Bold outline',
    description: 'Heavy white text with a thick black outline, readable on any footage.',
    font: 'Noto Sans',
    bold: true,
    size: 0.066,
    primary: '&H00FFFFFF',
    secondary: '&H00FFFFFF',
    outline: '&H00000000',
    back: '&H64000000',
    borderStyle: 1,
    outlineWidth: 0.0065,
    shadow: 0.003,
    reveal: 'static',
  },
  pill: {
    id: 'pill',
    label: 'Pill',
    description: 'Text on a rounded dark box.',
    font: 'Noto Sans',
    bold: true,
    size: 0.054,
    primary: '&H00FFFFFF',
    secondary: '&H00FFFFFF',
    // With BorderStyle 3 libass fills the box with the outline colour.
    outline: '&H40000000',
    back: '&H00000000',
    borderStyle: 3,
    outlineWidth: 0.012,
    shadow: 0,
    reveal: 'static',
  },
  karaoke: {
    id: 'karaoke',
    label: 'Karaoke',
    description: 'Each word lights up as it is spoken.',
    font: 'Noto Sans',
    bold: true,
    size: 0.064,
    primary: '&H0000D7FF',
    secondary: '&H00FFFFFF',
    outline: '&H00000000',
    back: '&H64000000',
    borderStyle: 1,
    outlineWidth: 0.0055,
    shadow: 0.002,
    reveal: 'karaoke',
  },
  'pop-in': {
    id: 'pop-in',
    label: 'Pop-in',
    description: 'Words appear one by one as they are spoken, with a quick pop.',
    font: 'Noto Sans',
    bold: true,
    size: 0.07,
    primary: '&H00FFFFFF',
    // Unspoken words are fully transparent, so each word appears on its cue.
    secondary: '&HFF000000',
    outline: '&H00000000',
    back: '&H64000000',
    borderStyle: 1,
    outlineWidth: 0.006,
    shadow: 0.003,
    reveal: 'pop',
  },
};

export function listCaptionStyles(): CaptionTemplate[] {
  return Object.values(CAPTION_TEMPLATES);
}
