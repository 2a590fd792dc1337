/** Voices as the API lists them, and what it makes of a script's language. */
import Type, { type Static } from 'typebox';

/** The voice a request may name instead of one of GET /v1/voices: the render picks one of the script's language. */
export const AUTO_VOICE = 'auto';

export const VoiceView = Type.Object({
  id: Type.String(),
  engine: Type.String(),
  language: Type.String(),
  label: Type.String(),
  gender: Type.String(),
  sampleText: Type.String(),
  /** A neural voice (Piper): natural-sounding, timed to the word by the voice itself. */
  neural: Type.Boolean(),
});
export type VoiceView = Static<typeof VoiceView>;

export const VoiceMatch = Type.Object({
  detected: Type.Object({
    /** ISO 639-1 where there is one (en, ja, ar), else ISO 639-3; `und` when unknown. */
    language: Type.String(),
    writingSystem: Type.String(),
    /** More than a fifth of the letters are in another writing system: the majority decided. */
    mixed: Type.Boolean(),
  }),
  /** The voice `auto` reads the script with. */
  voice: VoiceView,
  /** Voices of the script's language, best first. */
  suggestions: Type.Array(VoiceView),
});
export type VoiceMatch = Static<typeof VoiceMatch>;
