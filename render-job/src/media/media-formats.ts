/**
 * Which containers Cutline decodes, and the options every ffmpeg and ffprobe input gets.
 *
 * An uploaded file is hostile. Playlists and other formats that name further resources (HLS,
 * DASH, concat, SDP, RTSP, tee, image sequences with patterns) would make ffmpeg open files or
 * URLs the uploader chose, so only demuxers that read the one file they are given are allowed,
 * and only the `file` and `pipe` protocols: nothing an input says can reach the network.
 */

/** What cameras, phones and editors write (ffmpeg demuxer names). */
export const VIDEO_DEMUXERS = [
  'mov',
  'matroska',
  'webm',
  'mpegts',
  'avi',
  'mpeg',
  'flv',
  'asf',
  'mxf',
  'ogg',
  'dv',
  'gif',
] as const;
/** Single still images (logos); also recognised when they are uploaded as a video. */
// (image2 reads the one file it is named by; ffmpeg picks it for a path ending in .jpg.)
export const IMAGE_DEMUXERS = [
  'png_pipe',
  'jpeg_pipe',
  'webp_pipe',
  'bmp_pipe',
  'tiff_pipe',
  'gif_pipe',
  'gif',
  'image2',
] as const;
/** Music beds, narration and voice samples. */
export const AUDIO_DEMUXERS = [
  'wav',
  'w64',
  'mp3',
  'flac',
  'ogg',
  'aac',
  'aiff',
  'caf',
  'mov',
  'matroska',
  'asf',
] as const;

export type MediaKind = 'video' | 'image' | 'audio';

const DEMUXERS: Record<MediaKind, readonly string[]> = {
  video: VIDEO_DEMUXERS,
  image: IMAGE_DEMUXERS,
  audio: AUDIO_DEMUXERS,
};

/** Every demuxer a probe may meet: a still image or a WAV uploaded as a video gets a precise error. */
const PROBE_DEMUXERS = [...new Set([...VIDEO_DEMUXERS, ...IMAGE_DEMUXERS, ...AUDIO_DEMUXERS])];

/** Input options that confine one ffmpeg/ffprobe input to a local file or pipe of the given kinds. */
export function localInputOptions(kinds: readonly MediaKind[] | 'probe'): string[] {
  const demuxers = kinds === 'probe' ? PROBE_DEMUXERS : [...new Set(kinds.flatMap((k) => DEMUXERS[k]))];
  return ['-protocol_whitelist', 'file,pipe', '-format_whitelist', demuxers.join(',')];
}

/**
 * Whether ffprobe's format_name (a comma list such as `mov,mp4,m4a,3gp,3g2,mj2`) is one of the
 * kind's demuxers. ffmpeg matches the whitelist the same way: any name of the list.
 */
export function isFormatOf(formatName: string, kind: MediaKind): boolean {
  const names = formatName.split(',');
  return DEMUXERS[kind].some((d) => names.includes(d));
}

/** ffmpeg's message when an input's container is outside the whitelist. */
export function refusedFormat(stderr: string): string | undefined {
  const match = /\[([a-z0-9_,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  return match?.[1];
}
