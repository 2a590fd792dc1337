import { describe, expect, it } from 'vitest';
import { RenderError } from '../errors.js';
import { normaliseScript } from './script.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RenderError ? err.code : 'not a RenderError';
  }
  return undefined;
}

describe('normaliseScript', () => {
  it('normalises line endings, tabs and Unicode form', () => {
    expect(normaliseScript('  Cafe\u0301\r\nline\ttwo  ', 100)).toBe('Café\nline two');
  });

  it.each(['', '   ', '\n\n', '!!! ... ???', '🎉🎉'])('rejects a script with no words: %j', (text) => {
    expect(codeOf(() => normaliseScript(text, 100))).toBe('CUTLINE_SCRIPT_EMPTY');
  });

  it('rejects scripts over the limit, counting code points', () => {
    expect(codeOf(() => normaliseScript('a'.repeat(101), 100))).toBe('CUTLINE_SCRIPT_TOO_LONG');
    expect(normaliseScript('😀'.repeat(50) + 'a', 51)).toHaveLength(101); // 51 code points, 101 UTF-16 units
  });

  it.each(['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u009b'])(
    'rejects control character %j with its position',
    (c) => {
      let error: RenderError | undefined;
      try {
        normaliseScript(`ok ${c} text`, 100);
      } catch (err) {
        error = err as RenderError;
      }
      expect(error?.code).toBe('CUTLINE_SCRIPT_CONTROL_CHARS');
      expect(error?.details?.position).toBe(3);
    },
  );

  it('keeps markup and shell metacharacters as text', () => {
    const text = '<speak>$(id)</speak> {\\an8} `x` ; | & > %{pts}';
    expect(normaliseScript(text, 1000)).toBe(text);
  });
});
