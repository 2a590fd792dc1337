import { describe, expect, it } from 'vitest';
import { RenderError } from './errors.js';
import { adoptRenderSpec, outputSize, parseRenderSpec } from './spec.js';

const minimal = { version: 1, video: { source: 'in.mp4' }, script: { text: 'Hi' }, output: { destination: 'out' } };

describe('parseRenderSpec', () => {
  it('applies defaults', () => {
    const spec = parseRenderSpec(minimal, () => 'fixed');
    expect(spec.id).toBe('fixed');
    expect(spec.formats).toEqual(['9:16']);
    expect(spec.voice).toMatchObject({ id: 'espeak:en-us', rate: 1, pitch: 50 });
    expect(spec.captions).toMatchObject({ enabled: true, style: 'karaoke', maxWordsPerLine: 5, maxLines: 2 });
    expect(spec.audio).toMatchObject({ original: 'duck', loudnessLufs: -14 });
    expect(spec.maxResolution).toBe(1080);
    expect(spec.video.extend).toBe('loop');
  });

  it('does not mutate its input', () => {
    const input = structuredClone(minimal);
    parseRenderSpec(input);
    expect(input).toEqual(minimal);
  });

  it.each([
    [{ ...minimal, version: 2 }, '/version'],
    [{ ...minimal, extra: true }, '/'],
    [{ ...minimal, formats: ['4:3'] }, '/formats/0'],
    [{ ...minimal, formats: ['9:16', '9:16'] }, '/formats'],
    [{ ...minimal, voice: { id: 'x', rate: 9 } }, '/voice/rate'],
    [{ ...minimal, maxResolution: 1000 }, '/maxResolution'],
    [{ ...minimal, id: '../../etc' }, '/id'],
    [{ ...minimal, captions: { style: 'comic-sans' } }, '/captions/style'],
  ])('rejects %j at %s', (input, path) => {
    let error: RenderError | undefined;
    try {
      parseRenderSpec(input);
    } catch (err) {
      error = err as RenderError;
    }
    expect(error?.code).toBe('CUTLINE_INVALID_SPEC');
    expect(error?.exitCode).toBe(2);
    const errors = error?.details?.errors as Array<{ path: string }>;
    expect(errors.map((e) => e.path)).toContain(path);
  });
});

describe('adoptRenderSpec', () => {
  it('gives what parseRenderSpec gives, filling the defaults into the value it is handed', () => {
    const built = structuredClone({ ...minimal, formats: ['1:1', '16:9'], logo: { source: 'logo.png' } });
    const expected = parseRenderSpec(built, () => 'fixed');
    const adopted = adoptRenderSpec(built, () => 'fixed');
    expect(adopted).toEqual(expected);
    expect(adopted).toBe(built);
  });

  it('refuses what parseRenderSpec refuses', () => {
    expect(() => adoptRenderSpec({ ...minimal, formats: ['4:3'] })).toThrow(
      expect.objectContaining({ code: 'CUTLINE_INVALID_SPEC' }),
    );
  });
});

describe('outputSize', () => {
  it.each([
    ['9:16', 1080, 1080, 1920],
    ['16:9', 720, 1280, 720],
    ['1:1', 2160, 2160, 2160],
    ['9:16', 480, 480, 854],
  ] as const)('%s at %i → %ix%i', (aspect, cap, w, h) => {
    expect(outputSize(aspect, cap)).toEqual({ width: w, height: h });
  });
});
