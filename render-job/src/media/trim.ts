/**
 * Trimming the source to the in and out points the user chose. The segment is cut, frame
 * accurate, to a scratch file that every later stage (analysis, loop or freeze, the encode)
 * reads as the source, so none of them needs to know of trimming. The cut is encoded near
 * losslessly and fast (x264 ultrafast at CRF 12, PCM audio): it is read once more and deleted.
 */
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { runProgram } from '../run-process.js';
import { localInputOptions } from './media-formats.js';
import type { VideoProbe } from './probe.js';

/** Slack at the end: a container's duration and its last frame's time differ by up to a frame or two. */
const END_SLACK_SECONDS = 0.1;

export interface Trim {
  start: number;
  end?: number | undefined;
}

/** The trim against the source as probed: within it and in order, or CUTLINE_TRIM_INVALID. */
export function checkedTrim(trim: Trim, source: Pick<VideoProbe, 'duration'>): { start: number; end: number } {
  const end = trim.end ?? source.duration;
  const details = { start: trim.start, end, duration: source.duration };
  if (trim.start >= source.duration)
    throw new RenderError(
      'CUTLINE_TRIM_INVALID',
      `The in point (${trim.start} s) is at or after the end of the video (${source.duration.toFixed(2)} s).`,
      details,
    );
  if (end > source.duration + END_SLACK_SECONDS)
    throw new RenderError(
      'CUTLINE_TRIM_INVALID',
      `The out point (${end} s) is after the end of the video (${source.duration.toFixed(2)} s).`,
      details,
    );
  if (end - trim.start < 0.1)
    throw new RenderError('CUTLINE_TRIM_INVALID', 'The out point must be at least 0.1 s after the in point.', details);
  return { start: trim.start, end: Math.min(end, source.duration) };
}

/** Cuts [start, end) of the source into the scratch directory; the path of the cut. */
export async function cutSegment(
  sourcePath: string,
  scratch: string,
  range: { start: number; end: number },
  hasAudio: boolean,
  signal?: AbortSignal,
): Promise<string> {
  const out = join(scratch, 'source-trimmed.mkv');
  const args = [
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    ...localInputOptions(['video']),
    // Before -i: a fast seek to the keyframe before, then decoding up to the exact frame.
    '-ss',
    range.start.toFixed(3),
    '-t',
    (range.end - range.start).toFixed(3),
    '-i',
    sourcePath,
    '-map',
    '0:v:0',
    ...(hasAudio ? ['-map', '0:a:0', '-c:a', 'pcm_s16le'] : []),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '12',
    '-pix_fmt',
    'yuv420p',
    '-y',
    out,
  ];
  const result = await runProgram('ffmpeg', args, { ...(signal ? { signal } : {}), maxOutputBytes: 1024 });
  if (signal?.aborted) throw new RenderError('CUTLINE_CANCELED');
  if (result.code !== 0)
    throw new RenderError(
      'CUTLINE_FFMPEG_FAILED',
      `Cutting the trimmed segment failed: ${result.stderr.trim().slice(-500)}`,
    );
  return out;
}
