/**
 * The media corpus the suite renders, generated with ffmpeg on first use and cached by content
 * of this recipe list (the cache key changes when a recipe changes).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

type Recipe = { file: string; args: string[] } | { file: string; make: (dir: string, target: string) => Promise<void> };

const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=f=220:beep_factor=4:d=${seconds}`];
const pattern = (w: number, h: number, seconds: number, rate = 30) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=s=${w}x${h}:r=${rate}:d=${seconds}`,
];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const aac = ['-c:a', 'aac', '-b:a', '96k'];

export const CORPUS = {
  h264Landscape: {
    file: 'h264-landscape-1080p.mp4',
    args: [...pattern(1920, 1080, 6), ...tone(6), ...h264, ...aac, '-shortest'],
  },
  hevcPortrait: {
    file: 'hevc-portrait.mp4',
    args: [
      ...pattern(720, 1280, 3),
      ...tone(3),
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      '-tag:v',
      'hvc1',
      ...aac,
      '-shortest',
    ],
  },
  vp9Square: {
    file: 'vp9-square.webm',
    args: [
      ...pattern(720, 720, 3),
      ...tone(3),
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '1M',
      '-c:a',
      'libopus',
      '-shortest',
    ],
  },
  av1: { file: 'av1.mkv', args: [...pattern(640, 360, 2), '-c:v', 'libsvtav1', '-preset', '12', '-an'] },
  /** Coded landscape, displayed portrait: a phone video held upright. */
  rotated: {
    file: 'rotated-90.mp4',
    make: async (_dir, target) => {
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        ...pattern(1280, 720, 3),
        ...tone(3),
        ...h264,
        ...aac,
        '-shortest',
        target,
      ]);
      await setRotation(target, 90);
    },
  },
  variableFrameRate: {
    file: 'vfr.mp4',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=960x540:r=12:d=1.5',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=960x540:r=30:d=1.5',
      '-filter_complex',
      '[0:v][1:v]concat=n=2:v=1:a=0[v]',
      '-map',
      '[v]',
      '-fps_mode',
      'vfr',
      ...h264,
    ],
  },
  noAudio: { file: 'no-audio.mp4', args: [...pattern(854, 480, 3), ...h264, '-an'] },
  oddDimensions: {
    file: 'odd-853x479.mp4',
    args: [
      ...pattern(1280, 720, 2),
      '-vf',
      'scale=853:479',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv444p',
      '-an',
    ],
  },
  oneSecond: { file: 'one-second.mp4', args: [...pattern(1280, 720, 1), ...tone(1), ...h264, ...aac, '-shortest'] },
  uhd4k: { file: 'uhd-4k.mp4', args: [...pattern(3840, 2160, 2), ...h264, '-an'] },
  /** Flat grey with no detail: pixels change only where captions are drawn. */
  flatGrey: {
    file: 'flat-grey.mp4',
    args: ['-f', 'lavfi', '-i', 'color=c=0x606060:s=1280x720:r=30:d=8', ...h264, '-an'],
  },
  // Incompressible (noise, lossless): about 11 MB in one second, for multipart uploads.
  noisy: {
    file: 'noisy-11mb.mp4',
    args: [
      ...pattern(640, 360, 1),
      '-vf',
      'noise=alls=60:allf=t+u',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-pix_fmt',
      'yuv420p',
    ],
  },
  logo: { file: 'logo.png', args: ['-f', 'lavfi', '-i', 'color=c=red@1:s=200x100,format=rgba', '-frames:v', '1'] },
  music: { file: 'music.mp3', args: ['-f', 'lavfi', '-i', 'sine=f=440:d=4', '-c:a', 'libmp3lame', '-q:a', '6'] },

  // Bad inputs.
  zeroBytes: { file: 'zero.mp4', make: async (_dir, target) => writeFile(target, '') },
  textAsMp4: {
    file: 'notes.mp4',
    make: async (_dir, target) => writeFile(target, 'This is a text file, not a video.\n'.repeat(50)),
  },
  png: { file: 'picture.png', args: ['-f', 'lavfi', '-i', 'testsrc2=s=640x360', '-frames:v', '1'] },
  pngAsMp4: { file: 'picture-renamed.mp4', make: async (dir, target) => copyFile(join(dir, 'picture.png'), target) },
  wav: { file: 'speech.wav', args: ['-f', 'lavfi', '-i', 'sine=f=300:d=2'] },
  wavAsMp4: { file: 'speech-renamed.mp4', make: async (dir, target) => copyFile(join(dir, 'speech.wav'), target) },
  /** moov at the end, cut in half: the index is gone. */
  truncatedNoIndex: {
    file: 'truncated-no-moov.mp4',
    make: async (dir, target) => {
      await copyFile(join(dir, 'h264-landscape-1080p.mp4'), target);
      await truncate(target, Math.floor((await stat(target)).size / 2));
    },
  },
  /** moov first (faststart), media data cut: frames listed in the index are missing. */
  truncatedData: {
    file: 'truncated-data.mp4',
    make: async (dir, target) => {
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-i',
        join(dir, 'h264-landscape-1080p.mp4'),
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        target,
      ]);
      await truncate(target, Math.floor((await stat(target)).size * 0.6));
    },
  },
  absurdDimensions: {
    file: 'absurd-9000x16.mkv',
    args: ['-f', 'lavfi', '-i', 'color=c=blue:s=9000x16:d=0.2', '-c:v', 'ffv1'],
  },
} satisfies Record<string, Recipe>;

/**
 * Writes a rotation into the video track's tkhd display matrix, as phones do. (ffmpeg 5.1
 * cannot set one when encoding: its `rotate` metadata option became side data in 6.0.)
 */
async function setRotation(path: string, degrees: 90 | 270): Promise<void> {
  const data = await readFile(path);
  const at = data.indexOf(Buffer.from('tkhd'));
  if (at < 0) throw new Error('no tkhd box');
  const version = data[at + 4];
  const matrixOffset = at + 4 + 4 + (version === 1 ? 8 + 8 + 4 + 4 + 8 : 4 + 4 + 4 + 4 + 4) + 8 + 8;
  const one = 0x00010000;
  const minusOne = 0xffff0000;
  const [a, b, c, d] = degrees === 90 ? [0, one, minusOne, 0] : [0, minusOne, one, 0];
  const matrix = [a, b, 0, c, d, 0, 0, 0, 0x40000000];
  matrix.forEach((v, i) => data.writeUInt32BE(v, matrixOffset + i * 4));
  await writeFile(path, data);
}

export type CorpusName = keyof typeof CORPUS;

const ORDER = Object.keys(CORPUS) as CorpusName[];

export function corpusDir(): string {
  const key = createHash('sha256')
    .update(JSON.stringify(CORPUS, (_k, v: unknown) => (typeof v === 'function' ? v.toString() : v)))
    .digest('hex')
    .slice(0, 12);
  return join(tmpdir(), `cutline-corpus-${key}`);
}

/** Generates every missing corpus file; returns name → path. */
export async function ensureCorpus(): Promise<Record<CorpusName, string>> {
  const dir = corpusDir();
  await mkdir(dir, { recursive: true });
  const paths = {} as Record<CorpusName, string>;
  for (const name of ORDER) {
    const recipe: Recipe = CORPUS[name];
    const target = join(dir, recipe.file);
    paths[name] = target;
    if (existsSync(target)) continue;
    const temp = join(dir, `.tmp-${recipe.file}`);
    if ('args' in recipe) {
      execFileSync('ffmpeg', ['-v', 'error', '-y', ...recipe.args, temp], { stdio: 'pipe' });
    } else {
      await recipe.make(dir, temp);
    }
    await rename(temp, target);
  }
  return paths;
}
