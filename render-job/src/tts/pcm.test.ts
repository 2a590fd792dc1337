import { describe, expect, it } from 'vitest';
import { concat, encodeWav, parseWav, resample, silence, trimSilence, voicedRange } from './pcm.js';

function tone(rate: number, seconds: number, amplitude = 0.5): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * amplitude * 32767),
  );
}

describe('WAV round trip', () => {
  it('encodes and parses 16-bit mono', () => {
    const pcm = { sampleRate: 22050, samples: tone(22050, 0.1) };
    const back = parseWav(encodeWav(pcm));
    expect(back.sampleRate).toBe(22050);
    expect(Array.from(back.samples)).toEqual(Array.from(pcm.samples));
  });

  it('tolerates streaming headers with a bogus data size', () => {
    const wav = encodeWav({ sampleRate: 16000, samples: tone(16000, 0.05) });
    wav.writeUInt32LE(0x7ffff000, 40);
    expect(parseWav(wav).samples.length).toBe(800);
  });

  it('downmixes stereo and decodes float32', () => {
    const header = encodeWav({ sampleRate: 8000, samples: new Int16Array(0) });
    const data = Buffer.alloc(8 * 4);
    for (let i = 0; i < 4; i++) {
      data.writeFloatLE(0.5, i * 8);
      data.writeFloatLE(-0.5, i * 8 + 4);
    }
    header.writeUInt16LE(3, 20); // float
    header.writeUInt16LE(2, 22); // stereo
    header.writeUInt16LE(32, 34);
    header.writeUInt32LE(data.length, 40);
    const pcm = parseWav(Buffer.concat([header, data]));
    expect(Array.from(pcm.samples)).toEqual([0, 0, 0, 0]);
  });

  it('rejects what is not a WAV', () => {
    expect(() => parseWav(Buffer.from('ID3 not a wav at all'))).toThrow(/did not return a WAV/);
  });
});

describe('silence handling', () => {
  it('finds the voiced range and trims the rest', () => {
    const rate = 10000;
    const pcm = concat(rate, [silence(rate, 0.3), { sampleRate: rate, samples: tone(rate, 0.5) }, silence(rate, 0.2)]);
    const range = voicedRange(pcm);
    expect(Math.abs(range.start / rate - 0.3)).toBeLessThan(0.011);
    expect(Math.abs(range.end / rate - 0.8)).toBeLessThan(0.011);
    expect(trimSilence(pcm, 0.04).samples.length / rate).toBeCloseTo(0.58, 1);
  });

  it('resamples preserving duration', () => {
    const pcm = { sampleRate: 22050, samples: tone(22050, 1) };
    expect(resample(pcm, 48000).samples.length).toBe(48000);
  });
});
