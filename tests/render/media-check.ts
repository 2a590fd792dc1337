/** ffprobe/ffmpeg measurements of rendered files, for assertions. */
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

export function probe(path: string): { streams: ProbedStream[]; format: { duration: string; format_name: string } } {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], {
      encoding: 'utf8',
    }),
  ) as never;
}

/** Top-level MP4 boxes in file order. */
export function topLevelBoxes(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const boxes: string[] = [];
    let offset = 0;
    const header = Buffer.alloc(16);
    while (offset + 8 <= size) {
      readSync(fd, header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('ascii', 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      if (boxSize === 0) boxSize = size - offset;
      boxes.push(type);
      if (boxSize < 8) break;
      offset += boxSize;
    }
    return boxes;
  } finally {
    closeSync(fd);
  }
}

/** Integrated loudness (LUFS) as ffmpeg's ebur128 filter measures it. */
export function integratedLufs(path: string): number {
  const log = ffmpegLog(['-i', path, '-map', '0:a', '-af', 'ebur128', '-f', 'null', '-']);
  const summary = log.slice(log.lastIndexOf('Summary:'));
  const match = /I:\s+(-?[\d.]+) LUFS/.exec(summary);
  if (!match) throw new Error(`no loudness summary for ${path}`);
  return Number(match[1]);
}

/** Silences in the audio track (silencedetect), as [start, end] pairs in seconds. */
export function silences(path: string, noiseDb = -45, minSeconds = 0.08): Array<[number, number]> {
  const log = ffmpegLog([
    '-i',
    path,
    '-map',
    '0:a',
    '-af',
    `silencedetect=n=${noiseDb}dB:d=${minSeconds}`,
    '-f',
    'null',
    '-',
  ]);
  const starts = [...log.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...log.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  return starts.map((s, i) => [s, ends[i] ?? Infinity]);
}

/** Runs ffmpeg for its log (analysis filters print to stderr). */
function ffmpegLog(args: string[]): string {
  const result = spawnSync('ffmpeg', ['-nostats', '-hide_banner', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${result.stderr.slice(-500)}`);
  return `${result.stdout}${result.stderr}`;
}

/** One frame at `time` as 8-bit grey pixels, scaled to width×height. */
export function greyFrame(path: string, time: number, width: number, height: number): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(time),
      '-i',
      path,
      '-frames:v',
      '1',
      '-vf',
      `scale=${width}:${height}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    {
      maxBuffer: width * height * 2,
    },
  );
}

/** Mean absolute difference of two grey frames inside a row band (fractions of the height). */
export function bandDifference(
  a: Buffer,
  b: Buffer,
  width: number,
  height: number,
  fromRow: number,
  toRow: number,
): number {
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(fromRow * height); y < Math.floor(toRow * height); y++) {
    for (let x = 0; x < width; x++) {
      sum += Math.abs(a[y * width + x]! - b[y * width + x]!);
      count++;
    }
  }
  return sum / Math.max(1, count);
}
