/** The voice a request may name instead of one of GET /v1/voices: the render picks one of the script's language. */
export const AUTO_VOICE = 'auto';
