/**
 * Every failure a render can end with. The code is stable (clients and the control plane key
 * on it); `retryable` decides the exit code: bad input exits 2 and is never retried,
 * anything transient exits 1.
 */
export const RENDER_ERROR_CODES = {
  CUTLINE_INVALID_SPEC: { retryable: false, message: 'The render spec is invalid.' },
  CUTLINE_INPUT_NOT_FOUND: { retryable: false, message: 'An input file could not be found.' },
  CUTLINE_INPUT_EMPTY: { retryable: false, message: 'An input file is empty (0 bytes).' },
  CUTLINE_INPUT_TOO_LARGE: { retryable: false, message: 'An input file is larger than allowed.' },
  CUTLINE_INPUT_NOT_VIDEO: { retryable: false, message: 'The input is not a decodable video.' },
  CUTLINE_INPUT_FORMAT_NOT_ALLOWED: {
    retryable: false,
    message: 'The input is of a container format that is not accepted.',
  },
  CUTLINE_INPUT_NO_VIDEO_STREAM: { retryable: false, message: 'The input has no video stream.' },
  CUTLINE_INPUT_CORRUPT: { retryable: false, message: 'The input video is truncated or corrupt.' },
  CUTLINE_INPUT_DIMENSIONS: { retryable: false, message: 'The input video dimensions are out of range.' },
  CUTLINE_INPUT_DURATION: { retryable: false, message: 'The input video duration is out of range.' },
  CUTLINE_TRIM_INVALID: { retryable: false, message: 'The trim points are outside the video or out of order.' },
  CUTLINE_IMAGE_NOT_IMAGE: { retryable: false, message: 'The file is not an image.' },
  CUTLINE_IMAGE_FORMAT_NOT_ALLOWED: { retryable: false, message: 'The image is of a format that is not accepted.' },
  CUTLINE_IMAGE_TOO_LARGE: { retryable: false, message: 'The image has more pixels than allowed.' },
  CUTLINE_IMAGE_TOO_MANY_FRAMES: { retryable: false, message: 'The animated image has more frames than allowed.' },
  CUTLINE_IMAGE_CORRUPT: { retryable: false, message: 'The image is truncated or corrupt.' },
  CUTLINE_IMAGE_CROP_OUTSIDE: { retryable: false, message: 'The crop box is outside the image.' },
  CUTLINE_LOGO_INVALID: { retryable: false, message: 'The logo is not a decodable image.' },
  CUTLINE_MUSIC_INVALID: { retryable: false, message: 'The music bed is not decodable audio.' },
  CUTLINE_SCRIPT_EMPTY: { retryable: false, message: 'The script is empty.' },
  CUTLINE_SCRIPT_TOO_LONG: { retryable: false, message: 'The script is longer than allowed.' },
  CUTLINE_SCRIPT_CONTROL_CHARS: { retryable: false, message: 'The script contains control characters.' },
  CUTLINE_NARRATION_TOO_LONG: { retryable: false, message: 'The narration is longer than the allowed maximum.' },
  CUTLINE_VOICE_UNKNOWN: { retryable: false, message: 'The voice is not in the catalogue.' },
  CUTLINE_VOICE_LANGUAGE_MISMATCH: { retryable: false, message: 'The voice cannot read the script’s writing system.' },
  CUTLINE_TTS_FAILED: { retryable: true, message: 'Speech synthesis failed.' },
  CUTLINE_TTS_UNAVAILABLE: { retryable: true, message: 'The speech engine is not available.' },
  CUTLINE_INPUT_FETCH_FAILED: { retryable: true, message: 'An input could not be downloaded.' },
  CUTLINE_OUTPUT_UPLOAD_FAILED: { retryable: true, message: 'An output could not be uploaded.' },
  CUTLINE_FFMPEG_FAILED: { retryable: true, message: 'ffmpeg failed while rendering.' },
  CUTLINE_CANCELED: { retryable: false, message: 'The render was canceled.' },
  CUTLINE_INTERNAL: { retryable: true, message: 'Internal render error.' },
} as const;

export type RenderErrorCode = keyof typeof RENDER_ERROR_CODES;

export const EXIT_OK = 0;
export const EXIT_TRANSIENT = 1;
export const EXIT_BAD_INPUT = 2;

export class RenderError extends Error {
  readonly code: RenderErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: RenderErrorCode, message?: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message ?? RENDER_ERROR_CODES[code].message, options);
    this.name = 'RenderError';
    this.code = code;
    this.details = details;
  }

  get retryable(): boolean {
    return RENDER_ERROR_CODES[this.code].retryable;
  }

  get exitCode(): number {
    return this.retryable ? EXIT_TRANSIENT : EXIT_BAD_INPUT;
  }

  toJSON(): { code: RenderErrorCode; message: string; retryable: boolean; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Wraps anything thrown into a RenderError, keeping the cause for logs. */
export function toRenderError(err: unknown): RenderError {
  if (err instanceof RenderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RenderError('CUTLINE_INTERNAL', `Internal render error: ${message}`, undefined, { cause: err });
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
