/**
 * Integrated loudness (ITU-R BS.1770-4 / EBU R128) of mono PCM: K-weighting, 400 ms blocks
 * with 75% overlap, absolute gate at -70 LUFS and relative gate 10 LU below. The narration is
 * measured here and gained to the target before the mix, so ffmpeg's loudnorm only has to
 * make small corrections and the output lands on target even for short clips.
 */
import type { Pcm } from './pcm.js';

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** The two K-weighting stages for any sample rate (RBJ cookbook forms of the BS.1770 filters). */
function kWeighting(fs: number): [Biquad, Biquad] {
  const shelf = (() => {
    const G = 3.99984385397;
    const Q = 0.7071752369554193;
    const fc = 1681.9744509555319;
    const A = 10 ** (G / 40);
    const w0 = (2 * Math.PI * fc) / fs;
    const alpha = Math.sin(w0) / (2 * Q);
    const cos = Math.cos(w0);
    const sqrtA = Math.sqrt(A);
    const a0 = A + 1 - (A - 1) * cos + 2 * sqrtA * alpha;
    return {
      b0: (A * (A + 1 + (A - 1) * cos + 2 * sqrtA * alpha)) / a0,
      b1: (-2 * A * (A - 1 + (A + 1) * cos)) / a0,
      b2: (A * (A + 1 + (A - 1) * cos - 2 * sqrtA * alpha)) / a0,
      a1: (2 * (A - 1 - (A + 1) * cos)) / a0,
      a2: (A + 1 - (A - 1) * cos - 2 * sqrtA * alpha) / a0,
    };
  })();
  const highPass = (() => {
    const Q = 0.5003270373253953;
    const fc = 38.13547087613982;
    const w0 = (2 * Math.PI * fc) / fs;
    const alpha = Math.sin(w0) / (2 * Q);
    const cos = Math.cos(w0);
    const a0 = 1 + alpha;
    return { b0: (1 + cos) / 2 / a0, b1: -(1 + cos) / a0, b2: (1 + cos) / 2 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
  })();
  return [shelf, highPass];
}

function filter(input: Float64Array, f: Biquad): Float64Array {
  const out = new Float64Array(input.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    const y = f.b0 * x + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    out[i] = y;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
  }
  return out;
}

/**
 * Integrated loudness in LUFS of a mono signal, as heard on `channels` identical channels
 * (a mono voice played on both stereo channels measures 3 LU louder). -Infinity for silence.
 */
export function integratedLoudness(pcm: Pcm, channels = 1): number {
  const fs = pcm.sampleRate;
  const x = new Float64Array(pcm.samples.length);
  for (let i = 0; i < x.length; i++) x[i] = pcm.samples[i]! / 32768;
  const [shelf, highPass] = kWeighting(fs);
  const y = filter(filter(x, shelf), highPass);
  const block = Math.round(0.4 * fs);
  const step = Math.round(0.1 * fs);
  if (y.length < block) return -Infinity;
  const prefix = new Float64Array(y.length + 1);
  for (let i = 0; i < y.length; i++) prefix[i + 1] = prefix[i]! + y[i]! * y[i]!;
  const powers: number[] = [];
  for (let start = 0; start + block <= y.length; start += step) {
    powers.push(((prefix[start + block]! - prefix[start]!) / block) * channels);
  }
  const loudness = (p: number) => -0.691 + 10 * Math.log10(p);
  const absGated = powers.filter((p) => loudness(p) > -70);
  if (absGated.length === 0) return -Infinity;
  const relativeGate = loudness(absGated.reduce((a, b) => a + b, 0) / absGated.length) - 10;
  const gated = absGated.filter((p) => loudness(p) > relativeGate);
  return loudness(gated.reduce((a, b) => a + b, 0) / gated.length);
}

/**
 * Brings a voice to `targetLufs` with its sample peaks held under `ceilingDb` by a look-ahead
 * limiter. Gain and limiting are iterated, because limiting peaks lowers the loudness a little.
 * Doing this here (not with ffmpeg's loudnorm) lands exactly on target even for short clips,
 * where loudnorm's 3-second window cannot settle.
 */
export function normaliseLoudness(pcm: Pcm, targetLufs: number, ceilingDb = -1.5): { pcm: Pcm; gainDb: number; lufs: number } {
  const input = integratedLoudness(pcm);
  if (!Number.isFinite(input)) return { pcm, gainDb: 0, lufs: input };
  const source = new Float32Array(pcm.samples.length);
  for (let i = 0; i < source.length; i++) source[i] = pcm.samples[i]! / 32768;
  const ceiling = 10 ** (ceilingDb / 20);
  let gainDb = targetLufs - input;
  let out = pcm;
  let lufs = input;
  for (let pass = 0; pass < 10; pass++) {
    out = { sampleRate: pcm.sampleRate, samples: limit(source, 10 ** (gainDb / 20), ceiling, pcm.sampleRate) };
    lufs = integratedLoudness(out);
    if (Math.abs(lufs - targetLufs) < 0.05) break;
    // Under limiting, a dB of gain yields less than a dB of loudness: step further than the gap.
    gainDb += (targetLufs - lufs) * (lufs < targetLufs ? 1.6 : 1);
  }
  return { pcm: out, gainDb: Math.round(gainDb * 100) / 100, lufs: Math.round(lufs * 100) / 100 };
}

/** Applies gain, then a 5 ms look-ahead peak limiter with an 80 ms release. */
function limit(source: Float32Array, gain: number, ceiling: number, sampleRate: number): Int16Array {
  const n = source.length;
  const lookahead = Math.max(1, Math.round(0.005 * sampleRate));
  const release = 1 - Math.exp(-1 / (0.08 * sampleRate));
  // needed[i]: the gain sample i needs to stay under the ceiling.
  const needed = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const peak = Math.abs(source[i]! * gain);
    needed[i] = peak > ceiling ? ceiling / peak : 1;
  }
  // Sliding minimum over the next `lookahead` samples (monotonic deque), so gain falls before a peak.
  const out = new Int16Array(n);
  const deque = new Int32Array(n + lookahead + 1);
  let head = 0;
  let tail = 0;
  let envelope = 1;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const horizon = Math.min(n - 1, i + lookahead);
    for (; next <= horizon; next++) {
      while (tail > head && needed[deque[tail - 1]!]! >= needed[next]!) tail--;
      deque[tail++] = next;
    }
    while (deque[head]! < i) head++;
    const target = needed[deque[head]!]!;
    envelope = target < envelope ? target : envelope + (target - envelope) * release;
    const v = Math.round(source[i]! * gain * envelope * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
