import { describe, expect, it } from 'vitest';
import { integratedLoudness, normaliseLoudness } from './loudness.js';

function sine(rate: number, seconds: number, amplitude: number, freq = 1000): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * amplitude * 32767),
  );
}

describe('integratedLoudness', () => {
  it('measures a full-scale 1 kHz sine at about -3.0 LUFS (BS.1770 reference)', () => {
    expect(integratedLoudness({ sampleRate: 48000, samples: sine(48000, 5, 1) })).toBeCloseTo(-3.01, 0);
  });

  it('scales with gain and works at other sample rates', () => {
    const a = integratedLoudness({ sampleRate: 22050, samples: sine(22050, 5, 0.5) });
    const b = integratedLoudness({ sampleRate: 22050, samples: sine(22050, 5, 0.05) });
    expect(a - b).toBeCloseTo(20, 0);
    expect(a).toBeCloseTo(-9.03, 0);
  });

  it('is -Infinity for silence', () => {
    expect(integratedLoudness({ sampleRate: 16000, samples: new Int16Array(16000) })).toBe(-Infinity);
  });
});

describe('normaliseLoudness', () => {
  it('lands on target with peaks under the ceiling, even when limiting is needed', () => {
    // A quiet signal with rare loud spikes: reaching -14 needs gain the spikes cannot take.
    const samples = sine(24000, 6, 0.02, 300);
    for (let i = 0; i < samples.length; i += 4800) samples[i] = 30000;
    const out = normaliseLoudness({ sampleRate: 24000, samples }, -14, -1.5);
    expect(out.lufs).toBeCloseTo(-14, 0);
    const peak = out.pcm.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0) / 32768;
    expect(20 * Math.log10(peak)).toBeLessThanOrEqual(-1.4);
  });
});
