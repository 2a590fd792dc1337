/**
 * 16-bit mono PCM: the one audio shape narration is assembled in. Engines hand back WAV files
 * of their own rate; segments are parsed, trimmed of the engine's silence, and joined with
 * deliberate pauses, so every caption boundary is an exact sample position.
 */
import { RenderError } from '../errors.js';

export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

export function durationOf(pcm: Pcm): number {
  return pcm.samples.length / pcm.sampleRate;
}

/** Parses a RIFF/WAVE buffer (PCM 8/16/24/32-bit or float32, any channel count) into mono Int16. */
export function parseWav(buffer: Buffer): Pcm {
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF' || buffer.toString('ascii', 8, 12) !== 'WAVE') {
    throw new RenderError('CUTLINE_TTS_FAILED', 'The speech engine did not return a WAV file.');
  }
  let offset = 12;
  let format: { audioFormat: number; channels: number; sampleRate: number; bitsPerSample: number } | undefined;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    let size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: buffer.readUInt16LE(body),
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
      if (format.audioFormat === 0xfffe && size >= 40) format.audioFormat = buffer.readUInt16LE(body + 24);
    } else if (id === 'data') {
      if (!format) break;
      // Streaming writers (and some engines writing to a pipe) leave the size as 0 or 0xFFFFFFFF.
      if (size === 0 || size === 0xffffffff || body + size > buffer.length) size = buffer.length - body;
      return { sampleRate: format.sampleRate, samples: decodeSamples(buffer.subarray(body, body + size), format) };
    }
    offset = body + size + (size % 2);
  }
  throw new RenderError('CUTLINE_TTS_FAILED', 'The WAV from the speech engine has no audio data.');
}

function decodeSamples(data: Buffer, f: { audioFormat: number; channels: number; bitsPerSample: number }): Int16Array {
  const bytes = f.bitsPerSample / 8;
  const frameSize = bytes * f.channels;
  if (f.channels < 1 || !Number.isInteger(bytes) || bytes < 1 || bytes > 4) {
    throw new RenderError(
      'CUTLINE_TTS_FAILED',
      `Unsupported WAV layout: ${f.channels} channels, ${f.bitsPerSample} bits.`,
    );
  }
  const frames = Math.floor(data.length / frameSize);
  const out = new Int16Array(frames);
  const isFloat = f.audioFormat === 3;
  if (!isFloat && f.audioFormat !== 1) {
    throw new RenderError('CUTLINE_TTS_FAILED', `Unsupported WAV encoding ${f.audioFormat}.`);
  }
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < f.channels; c++) {
      const at = i * frameSize + c * bytes;
      sum += readSample(data, at, bytes, isFloat);
    }
    out[i] = clamp16(Math.round((sum / f.channels) * 32767));
  }
  return out;
}

/** One sample as a float in [-1, 1]. */
function readSample(data: Buffer, at: number, bytes: number, isFloat: boolean): number {
  if (isFloat) return bytes === 4 ? data.readFloatLE(at) : 0;
  switch (bytes) {
    case 1:
      return (data.readUInt8(at) - 128) / 128;
    case 2:
      return data.readInt16LE(at) / 32768;
    case 3:
      return data.readIntLE(at, 3) / 8388608;
    default:
      return data.readInt32LE(at) / 2147483648;
  }
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** Linear-interpolation resampler; speech only, so its mild aliasing is inaudible. */
export function resample(pcm: Pcm, rate: number): Pcm {
  if (pcm.sampleRate === rate) return pcm;
  const ratio = pcm.sampleRate / rate;
  const length = Math.round(pcm.samples.length / ratio);
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const pos = i * ratio;
    const i0 = Math.floor(pos);
    const frac = pos - i0;
    const a = pcm.samples[i0] ?? 0;
    const b = pcm.samples[i0 + 1] ?? a;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return { sampleRate: rate, samples: out };
}

/**
 * Voiced region of a clip: first and last sample whose 10 ms window rises above the threshold
 * (-45 dBFS RMS). Returns [0, length) when the whole clip is quiet.
 */
export function voicedRange(pcm: Pcm, thresholdDb = -45): { start: number; end: number } {
  const window = Math.max(1, Math.round(pcm.sampleRate / 100));
  const threshold = 32768 * 10 ** (thresholdDb / 20);
  const loud = (from: number): boolean => {
    let sum = 0;
    const to = Math.min(pcm.samples.length, from + window);
    for (let i = from; i < to; i++) sum += pcm.samples[i]! * pcm.samples[i]!;
    return Math.sqrt(sum / Math.max(1, to - from)) > threshold;
  };
  let start = 0;
  while (start < pcm.samples.length && !loud(start)) start += window;
  let end = pcm.samples.length;
  while (end > start && !loud(Math.max(0, end - window))) end -= window;
  if (start >= end) return { start: 0, end: pcm.samples.length };
  return { start, end: Math.min(pcm.samples.length, end) };
}

/** The engine's own silence kept on each side of a clip's voice. */
export const VOICE_PAD_SECONDS = 0.04;

/** Cuts a clip to its voiced range, keeping `padSeconds` of the engine's own silence on each side. */
export function trimSilence(pcm: Pcm, padSeconds = VOICE_PAD_SECONDS): Pcm {
  const { start, end } = voicedRange(pcm);
  const pad = Math.round(padSeconds * pcm.sampleRate);
  const from = Math.max(0, start - pad);
  const to = Math.min(pcm.samples.length, end + pad);
  return { sampleRate: pcm.sampleRate, samples: pcm.samples.slice(from, to) };
}

/**
 * Raised-cosine fades over the first and last `seconds` of a clip, in place: a clip cut where
 * the voice may already sound starts and ends without a click.
 */
export function fadeEdges(pcm: Pcm, seconds = 0.01): Pcm {
  const n = Math.min(Math.round(seconds * pcm.sampleRate), Math.floor(pcm.samples.length / 2));
  for (let i = 0; i < n; i++) {
    const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / n);
    const last = pcm.samples.length - 1 - i;
    pcm.samples[i] = Math.round(pcm.samples[i]! * g);
    pcm.samples[last] = Math.round(pcm.samples[last]! * g);
  }
  return pcm;
}

/** How much trimSilence cuts from the front of a clip, in seconds. */
export function leadingTrimSeconds(pcm: Pcm, padSeconds = VOICE_PAD_SECONDS): number {
  const { start } = voicedRange(pcm);
  return Math.max(0, start - Math.round(padSeconds * pcm.sampleRate)) / pcm.sampleRate;
}

export function silence(sampleRate: number, seconds: number): Pcm {
  return { sampleRate, samples: new Int16Array(Math.round(seconds * sampleRate)) };
}

/** Concatenates clips of one sample rate. */
export function concat(sampleRate: number, clips: readonly Pcm[]): Pcm {
  const total = clips.reduce((n, c) => n + c.samples.length, 0);
  const samples = new Int16Array(total);
  let at = 0;
  for (const clip of clips) {
    if (clip.sampleRate !== sampleRate) throw new Error('concat: mixed sample rates');
    samples.set(clip.samples, at);
    at += clip.samples.length;
  }
  return { sampleRate, samples };
}

export function encodeWav(pcm: Pcm): Buffer {
  const body = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.length * 2);
  return Buffer.concat([wavHeader(pcm.sampleRate, pcm.samples.length), body]);
}

/** The 44-byte header of a mono 16-bit WAV of `samples` samples (its data may follow as a stream). */
export function wavHeader(sampleRate: number, samples: number): Buffer {
  const dataBytes = samples * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
