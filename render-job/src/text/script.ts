/**
 * Script intake: normalises user text and rejects what cannot be narrated, each with its own
 * error code. Everything that survives is plain Unicode text without control characters;
 * escaping for libass happens later, at the point where text meets ASS syntax.
 */
import { RenderError } from '../errors.js';

// C0 controls except tab/newline/carriage return, DEL, and the C1 block.
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

export function normaliseScript(raw: string, maxChars: number): string {
  const control = CONTROL_CHARS.exec(raw);
  if (control) {
    const codePoint = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new RenderError(
      'CUTLINE_SCRIPT_CONTROL_CHARS',
      `The script contains the control character U+${codePoint} at position ${control.index}.`,
      { position: control.index, codePoint: `U+${codePoint}` },
    );
  }
  const text = raw.normalize('NFC').replace(/\r\n?/g, '\n').replace(/\t/g, ' ').trim();
  if (!/[\p{L}\p{N}]/u.test(text)) {
    throw new RenderError('CUTLINE_SCRIPT_EMPTY', 'The script has no words to narrate.');
  }
  const length = [...text].length;
  if (length > maxChars) {
    throw new RenderError('CUTLINE_SCRIPT_TOO_LONG', `The script has ${length} characters; the limit is ${maxChars}.`, {
      length,
      limit: maxChars,
    });
  }
  return text;
}
