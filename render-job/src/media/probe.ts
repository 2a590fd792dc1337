/**
 * Input inspection with ffprobe: decides, before any work is done, whether a file is a
 * decodable video within limits, and reports what the pipeline needs (display size after
 * rotation, duration, audio presence).
 */
import { open, stat } from 'node:fs/promises';
import { RenderError } from '../errors.js';
import { ProgramNotFoundError, runProgram } from '../run-process.js';
import { isFormatOf, localInputOptions, refusedFormat, type MediaKind } from './media-formats.js';

export interface VideoProbe {
  formatName: string;
  duration: number;
  sizeBytes: number;
  codec: string;
  /** Display size: coded size with rotation metadata applied. */
  width: number;
  height: number;
  rotation: number;
  frameRate: number;
  hasAudio: boolean;
  audioCodec?: string;
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string };
}

const MIN_DIMENSION = 16;
const MAX_DIMENSION = 8192;

export interface ProbeLimits {
  maxBytes: number;
  maxSeconds: number;
}

export async function probeFile(
  path: string,
  program = 'ffprobe',
): Promise<FfprobeOutput & { stderr: string; code: number | null }> {
  try {
    const result = await runProgram(
      program,
      [
        '-v',
        'error',
        ...localInputOptions('probe'),
        '-count_packets',
        '-show_format',
        '-show_streams',
        '-of',
        'json',
        '--',
        path,
      ],
      { timeoutMs: 120_000 },
    );
    let parsed: FfprobeOutput = {};
    try {
      parsed = JSON.parse(result.stdout.toString('utf8') || '{}') as FfprobeOutput;
    } catch {
      parsed = {};
    }
    return { ...parsed, stderr: result.stderr, code: result.code };
  } catch (err) {
    if (err instanceof ProgramNotFoundError) throw new RenderError('CUTLINE_INTERNAL', 'ffprobe is not installed.');
    throw err;
  }
}

/** Probes a local video file and rejects anything the pipeline cannot or must not render. */
export async function probeVideo(path: string, limits: ProbeLimits): Promise<VideoProbe> {
  const info = await stat(path).catch(() => undefined);
  if (!info || !info.isFile()) throw new RenderError('CUTLINE_INPUT_NOT_FOUND', 'The video file does not exist.');
  if (info.size === 0) throw new RenderError('CUTLINE_INPUT_EMPTY', 'The video file is empty (0 bytes).');
  if (info.size > limits.maxBytes) {
    throw new RenderError(
      'CUTLINE_INPUT_TOO_LARGE',
      `The video is ${info.size} bytes; the limit is ${limits.maxBytes}.`,
      { bytes: info.size, limit: limits.maxBytes },
    );
  }
  const probe = await probeFile(path);
  const formatName = probe.format?.format_name ?? '';
  refuseFormat(probe, formatName, ['video', 'image', 'audio']);
  if (probe.code !== 0 || !probe.format) {
    // An MP4/MOV that starts like one but has lost its index was cut short; anything else that
    // ffprobe cannot open is simply not a video.
    const missingIndex = /moov atom not found|partial file/i.test(probe.stderr) && (await startsWithFtyp(path));
    throw new RenderError(
      missingIndex ? 'CUTLINE_INPUT_CORRUPT' : 'CUTLINE_INPUT_NOT_VIDEO',
      missingIndex
        ? 'The video file is truncated or corrupt (its index is missing).'
        : 'The file is not a video that can be decoded.',
      { probe: firstLine(probe.stderr) },
    );
  }
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    if (isFormatOf(formatName, 'image'))
      throw new RenderError('CUTLINE_INPUT_NOT_VIDEO', 'The file is a still image, not a video.');
    throw new RenderError('CUTLINE_INPUT_NO_VIDEO_STREAM', 'The file has no video stream (is it an audio file?).', {
      format: formatName,
    });
  }
  if (!isFormatOf(formatName, 'video')) {
    throw new RenderError('CUTLINE_INPUT_NOT_VIDEO', 'The file is a still image, not a video.', { format: formatName });
  }
  if (/partial file|Packet corrupt|truncat|Invalid NAL|error reading header/i.test(probe.stderr)) {
    throw new RenderError('CUTLINE_INPUT_CORRUPT', 'The video file is truncated or corrupt.', {
      probe: firstLine(probe.stderr),
    });
  }
  const expected = Number(video.nb_frames ?? 0);
  const read = Number(video.nb_read_packets ?? 0);
  if (expected > 0 && read < expected * 0.98) {
    throw new RenderError(
      'CUTLINE_INPUT_CORRUPT',
      `The video file is truncated: ${read} of ${expected} frames are present.`,
      { expected, read },
    );
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (
    codedWidth < MIN_DIMENSION ||
    codedHeight < MIN_DIMENSION ||
    codedWidth > MAX_DIMENSION ||
    codedHeight > MAX_DIMENSION
  ) {
    throw new RenderError(
      'CUTLINE_INPUT_DIMENSIONS',
      `The video is ${codedWidth}x${codedHeight}; each side must be between ${MIN_DIMENSION} and ${MAX_DIMENSION} pixels.`,
      { width: codedWidth, height: codedHeight },
    );
  }
  const duration = Number(probe.format.duration ?? video.duration ?? NaN);
  if (!Number.isFinite(duration) || duration < 0.04) {
    throw new RenderError('CUTLINE_INPUT_DURATION', 'The video has no usable duration.', {
      duration: probe.format.duration ?? null,
    });
  }
  if (duration > limits.maxSeconds) {
    throw new RenderError(
      'CUTLINE_INPUT_DURATION',
      `The video is ${duration.toFixed(1)} s long; the limit is ${limits.maxSeconds} s.`,
      { duration, limit: limits.maxSeconds },
    );
  }
  const rotation = rotationOf(video);
  const swap = Math.abs(rotation) % 180 === 90;
  const audio = streams.find((s) => s.codec_type === 'audio');
  const result: VideoProbe = {
    formatName,
    duration,
    sizeBytes: info.size,
    codec: video.codec_name ?? 'unknown',
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    rotation,
    frameRate: parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) || 30,
    hasAudio: Boolean(audio),
  };
  if (audio?.codec_name) result.audioCodec = audio.codec_name;
  return result;
}

/** Refuses a container outside the allowlist, whether ffprobe refused it or read it. */
function refuseFormat(probe: { stderr: string; code: number | null }, formatName: string, kinds: MediaKind[]): void {
  const refused =
    refusedFormat(probe.stderr) ??
    (probe.code === 0 && formatName && !kinds.some((k) => isFormatOf(formatName, k)) ? formatName : undefined);
  if (refused === undefined) return;
  throw new RenderError(
    'CUTLINE_INPUT_FORMAT_NOT_ALLOWED',
    `Files of type "${refused.split(',')[0]}" are not accepted: upload a video file (MP4, MOV, MKV, WebM, MPEG-TS, AVI…), not a playlist or a reference to other files.`,
    { format: refused },
  );
}

async function startsWithFtyp(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(8);
    await handle.read(header, 0, 8, 0);
    return header.toString('latin1', 4, 8) === 'ftyp';
  } finally {
    await handle.close();
  }
}

function rotationOf(stream: FfprobeStream): number {
  const side = stream.side_data_list?.find((d) => typeof d.rotation === 'number');
  if (side?.rotation !== undefined) return Math.round(side.rotation);
  const tag = Number(stream.tags?.rotate ?? 0);
  return Number.isFinite(tag) ? tag : 0;
}

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  return n && d ? n / d : 0;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
}

/** Checks that a logo or music file decodes at all (a clear error beats an ffmpeg failure mid-render). */
export async function probeAuxiliary(path: string, kind: 'image' | 'audio'): Promise<void> {
  const code = kind === 'image' ? 'CUTLINE_LOGO_INVALID' : 'CUTLINE_MUSIC_INVALID';
  const info = await stat(path).catch(() => undefined);
  if (!info || info.size === 0)
    throw new RenderError(code, `The ${kind === 'image' ? 'logo' : 'music'} file is missing or empty.`);
  const probe = await probeFile(path);
  refuseFormat(probe, probe.format?.format_name ?? '', [kind]);
  const wanted = kind === 'image' ? 'video' : 'audio';
  const stream = probe.streams?.find((s) => s.codec_type === wanted);
  if (probe.code !== 0 || !stream) throw new RenderError(code);
  if (
    kind === 'image' &&
    ((stream.width ?? 0) < 1 || (stream.width ?? 0) > MAX_DIMENSION || (stream.height ?? 0) > MAX_DIMENSION)
  ) {
    throw new RenderError(code, 'The logo dimensions are out of range.');
  }
}
