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
    return {
      b0: (1 + cos) / 2 / a0,
      b1: -(1 + cos) / a0,
      b2: (1 + cos) / 2 / a0,
      a1: (-2 * cos) / a0,
      a2: (1 - alpha) / a0,
    };
  })();
  return [shelf, highPass];
}

/**
 * Integrated loudness in LUFS of a mono signal, as heard on `channels` identical channels.
 * -Infinity for silence. Streams the samples once: K-weighting runs sample by sample into
 * 100 ms sums, and 400 ms blocks (75% overlap) are four consecutive sums, so memory is a few
 * numbers per 100 ms rather than copies of the signal.
 */
export function integratedLoudness(pcm: Pcm, channels = 1): number {
  const fs = pcm.sampleRate;
  const [shelf, highPass] = kWeighting(fs);
  const step = Math.round(0.1 * fs);
  const quarters: number[] = [];
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  let z1 = 0,
    z2 = 0;
  let acc = 0;
  let inStep = 0;
  const samples = pcm.samples;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]! / 32768;
    const y = shelf.b0 * x + shelf.b1 * x1 + shelf.b2 * x2 - shelf.a1 * y1 - shelf.a2 * y2;
    // The high-pass stage's input history is the shelf's output history (y1, y2).
    const z = highPass.b0 * y + highPass.b1 * y1 + highPass.b2 * y2 - highPass.a1 * z1 - highPass.a2 * z2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    acc += z * z;
    if (++inStep === step) {
      quarters.push(acc);
      acc = 0;
      inStep = 0;
    }
  }
  const powers: number[] = [];
  for (let q = 3; q < quarters.length; q++) {
    powers.push(((quarters[q - 3]! + quarters[q - 2]! + quarters[q - 1]! + quarters[q]!) / (4 * step)) * channels);
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
export function normaliseLoudness(
  pcm: Pcm,
  targetLufs: number,
  ceilingDb = -1.5,
): { pcm: Pcm; gainDb: number; lufs: number } {
  const input = integratedLoudness(pcm);
  if (!Number.isFinite(input)) return { pcm, gainDb: 0, lufs: input };
  const ceiling = 10 ** (ceilingDb / 20);
  let gainDb = targetLufs - input;
  let out = pcm;
  let lufs = input;
  for (let pass = 0; pass < 10; pass++) {
    out = { sampleRate: pcm.sampleRate, samples: limit(pcm.samples, 10 ** (gainDb / 20), ceiling, pcm.sampleRate) };
    lufs = integratedLoudness(out);
    if (Math.abs(lufs - targetLufs) < 0.05) break;
    // Under limiting, a dB of gain yields less than a dB of loudness: step further than the gap.
    gainDb += (targetLufs - lufs) * (lufs < targetLufs ? 1.6 : 1);
  }
  return { pcm: out, gainDb: Math.round(gainDb * 100) / 100, lufs: Math.round(lufs * 100) / 100 };
}

/**
 * The gain normaliseLoudness found, applied to another stretch of the same voice: a narration
 * streamed to ffmpeg is measured on its first clips and every clip gets the same gain and limiter.
 */
export function applyGain(pcm: Pcm, gainDb: number, ceilingDb = -1.5): Pcm {
  return {
    sampleRate: pcm.sampleRate,
    samples: limit(pcm.samples, 10 ** (gainDb / 20), 10 ** (ceilingDb / 20), pcm.sampleRate),
  };
}

/**
 * Applies gain, then a 5 ms look-ahead peak limiter with an 80 ms release. The gain each sample
 * needs is known `lookahead` samples early (a sliding minimum kept in a monotonic deque over a
 * ring buffer), so the gain is already down when a peak arrives. Memory: the output plus two
 * buffers of `lookahead` entries.
 */
function limit(samples: Int16Array, gain: number, ceiling: number, sampleRate: number): Int16Array {
  const n = samples.length;
  const lookahead = Math.max(1, Math.round(0.005 * sampleRate));
  const release = 1 - Math.exp(-1 / (0.08 * sampleRate));
  const scale = gain / 32768;
  const needed = (i: number) => {
    const peak = Math.abs(samples[i]! * scale);
    return peak > ceiling ? ceiling / peak : 1;
  };
  const size = lookahead + 2;
  const dequeIndex = new Int32Array(size);
  const dequeValue = new Float64Array(size);
  let head = 0;
  let length = 0;
  const out = new Int16Array(n);
  let envelope = 1;
  let next = 0;
  for (let i = 0; i < n; i++) {
    for (const horizon = Math.min(n - 1, i + lookahead); next <= horizon; next++) {
      const value = needed(next);
      while (length > 0 && dequeValue[(head + length - 1) % size]! >= value) length--;
      dequeIndex[(head + length) % size] = next;
      dequeValue[(head + length) % size] = value;
      length++;
    }
    while (dequeIndex[head]! < i) {
      head = (head + 1) % size;
      length--;
    }
    const target = dequeValue[head]!;
    envelope = target < envelope ? target : envelope + (target - envelope) * release;
    const v = Math.round(samples[i]! * gain * envelope);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
