import Type from 'typebox';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { compileDefaults } from './spec-defaults.js';
import { RenderSpecSchema } from './spec.js';

/** Specs from bare to full, including wrong types the check later refuses. */
const specs: unknown[] = [
  {},
  {
    version: 1,
    video: { source: 'file:///a.mp4' },
    script: { text: 'Hi.' },
    voice: { id: 'espeak:en-us' },
    output: { destination: 'file:///out/' },
  },
  {
    version: 1,
    id: 'r1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    video: { source: 'file:///a.mp4', extend: 'freeze' },
    script: { text: 'Everything set.' },
    voice: { id: 'piper:en_US-amy', rate: 1.2, pitch: 40 },
    captions: { enabled: false, style: 'karaoke', position: 'top', maxWordsPerLine: 3 },
    formats: ['1:1', '16:9'],
    fit: 'pad',
    maxResolution: 720,
    logo: { source: 'file:///logo.png', position: 'bottom-left' },
    audio: { original: 'drop', music: { source: 'file:///m.mp3' } },
    watermark: { text: 'Made with Cutline' },
    limits: { maxNarrationSeconds: 60 },
    output: { destination: 'file:///out/', tags: { 'cutline-retention-days': '7' } },
  },
  { video: 'not an object', captions: null, formats: 'nine', audio: [], limits: { maxInputBytes: 'lots' } },
  { formats: [], logo: {}, audio: { music: {} }, encoding: {} },
  'not an object',
  undefined,
];

describe('compileDefaults', () => {
  it.each(specs.map((spec, i) => [i, spec]))('fills the render spec #%s exactly as Value.Default does', (_, spec) => {
    expect(compileDefaults(RenderSpecSchema)(Value.Clone(spec))).toEqual(
      Value.Default(RenderSpecSchema, Value.Clone(spec)),
    );
  });

  it('matches Value.Default on optional defaults, nested arrays, and unions whose members hold defaults', () => {
    const schema = Type.Object({
      optional: Type.Optional(Type.Number({ default: 5 })),
      list: Type.Array(Type.Object({ n: Type.Number({ default: 1 }) }), { default: [{}] }),
      either: Type.Union([
        Type.Object({ a: Type.Number({ default: 1 }) }, { additionalProperties: false }),
        Type.String(),
      ]),
      made: Type.String({ default: () => 'from a function' }),
    });
    for (const value of [
      {},
      { list: [{}, { n: 2 }] },
      { either: {} },
      { either: 'text' },
      { optional: 3, made: 'given' },
    ]) {
      expect(compileDefaults(schema)(Value.Clone(value))).toEqual(Value.Default(schema, Value.Clone(value)));
    }
  });

  it('gives every call its own copy of an object default', () => {
    const apply = compileDefaults(Type.Object({ tags: Type.Object({}, { default: {} }) }));
    const first = apply({}) as { tags: Record<string, string> };
    first.tags.x = 'changed';
    expect(apply({})).toEqual({ tags: {} });
  });
});
