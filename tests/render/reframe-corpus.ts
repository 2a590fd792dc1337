/**
 * The reframing corpus: 1920×1080 clips whose subject positions are known at every frame, made
 * with ffmpeg on first use (cached by the recipes' text), and a reader that finds the subject
 * in a rendered output frame by frame.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FPS = 30;
export const BOX = 160;
/** The box's top edge in every clip that has one. */
const BOX_Y = 460;
/** The face photograph's size on the canvas, and where the face is in it (fractions). */
export const PHOTO = 480;
export const FACE_IN_PHOTO = 0.44;

export function toolsDir(): string {
  return (
    process.env.CUTLINE_TOOLS_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'), 'cutline-tools')
  );
}

export const facePhoto = () => join(toolsDir(), 'images', 'astronaut.png');

/** Each clip: its ffmpeg arguments (given the texture paths) and the subjects' left edges over time. */
export const REFRAME_CLIPS = {
  moving: {
    seconds: 6,
    subjects: (t: number) => [100 + t * 280],
  },
  face: {
    seconds: 6,
    subjects: (t: number) => [80 + t * 220],
  },
  /** The photograph standing still on the left, a moving subject on the right: faces come first. */
  faceAndMotion: {
    seconds: 6,
    subjects: () => [120],
  },
  cut: {
    seconds: 6,
    subjects: (t: number) => (t < 3 ? [200 + t * 20] : [1490 - (t - 3) * 20]),
  },
  /** A portrait source (1080×1920) whose subject moves down: 16:9 crops move along y. Its "left" is the top. */
  portrait: {
    seconds: 6,
    subjects: (t: number) => [100 + t * 250],
  },
  twoEdges: {
    seconds: 4,
    subjects: () => [40, 1720],
  },
  still: {
    seconds: 4,
    subjects: () => [1400],
  },
  black: {
    seconds: 3,
    subjects: () => [] as number[],
  },
} as const;
export type ReframeClip = keyof typeof REFRAME_CLIPS;

const texture = (level: number) =>
  `color=c=gray:s=1920x1080:r=1:d=1,geq=lum='${level}+45*sin(X/9)*cos(Y/13)':cb=128:cr=128`;
const box = (seconds: number) => `color=c=yellow:s=${BOX}x${BOX}:r=${FPS}:d=${seconds}`;
const loopImage = (path: string, seconds: number) => [
  '-loop',
  '1',
  '-framerate',
  String(FPS),
  '-t',
  String(seconds),
  '-i',
  path,
];
const encode = (preset: string) => ['-c:v', 'libx264', '-preset', preset, '-pix_fmt', 'yuv420p', '-r', String(FPS)];

function argsOf(clip: ReframeClip, tex: { mid: string; dark: string; bright: string }): string[] {
  const s = REFRAME_CLIPS[clip].seconds;
  switch (clip) {
    case 'moving':
      return [
        ...loopImage(tex.mid, s),
        ...['-f', 'lavfi', '-i', box(s)],
        ...['-filter_complex', `[0:v][1:v]overlay=x='100+t*280':y=${BOX_Y}:shortest=1`],
        ...encode('ultrafast'),
      ];
    case 'face':
      return [
        ...['-f', 'lavfi', '-i', `color=c=0x141e5a:s=1920x1080:r=${FPS}:d=${s}`],
        ...loopImage(facePhoto(), s),
        ...['-filter_complex', `[1:v]scale=${PHOTO}:${PHOTO}[p];[0:v][p]overlay=x='80+t*220':y=300:shortest=1`],
        ...encode('ultrafast'),
      ];
    case 'faceAndMotion':
      return [
        ...['-f', 'lavfi', '-i', `color=c=0x141e5a:s=1920x1080:r=${FPS}:d=${s}`],
        ...loopImage(facePhoto(), s),
        // A big, bright, moving distractor: without the face cue the camera would follow it.
        ...['-f', 'lavfi', '-i', `color=c=yellow:s=400x400:r=${FPS}:d=${s}`],
        '-filter_complex',
        `[1:v]scale=${PHOTO}:${PHOTO}[p];[0:v][p]overlay=x=120:y=300:shortest=1[a];[a][2:v]overlay=x='1150+300*sin(t*3)':y='340+200*cos(t*2)':shortest=1`,
        ...encode('ultrafast'),
      ];
    case 'cut':
      // veryfast: B-frames between references, and the encoder's own I-frame at the cut.
      return [
        ...loopImage(tex.dark, 3),
        ...loopImage(tex.bright, 3),
        ...['-f', 'lavfi', '-i', box(3)],
        ...['-f', 'lavfi', '-i', box(3)],
        '-filter_complex',
        `[0:v][2:v]overlay=x='200+t*20':y=${BOX_Y}:shortest=1[a];[1:v][3:v]overlay=x='1490-t*20':y=${BOX_Y}:shortest=1[b];[a][b]concat=n=2:v=1:a=0`,
        ...encode('veryfast'),
      ];
    case 'portrait':
      return [
        ...loopImage(tex.mid, s),
        ...['-f', 'lavfi', '-i', box(s)],
        ...['-filter_complex', `[0:v]transpose=2,crop=1080:1920[t];[t][1:v]overlay=x=460:y='100+t*250':shortest=1`],
        ...encode('ultrafast'),
      ];
    case 'twoEdges':
      return [
        ...loopImage(tex.mid, s),
        ...['-f', 'lavfi', '-i', box(s), '-f', 'lavfi', '-i', box(s)],
        '-filter_complex',
        `[0:v][1:v]overlay=x=40:y='${BOX_Y}+40*sin(t*3)':shortest=1[a];[a][2:v]overlay=x=1720:y='${BOX_Y}+40*cos(t*3)':shortest=1`,
        ...encode('ultrafast'),
      ];
    case 'still':
      return [
        ...loopImage(tex.mid, s),
        ...['-f', 'lavfi', '-i', box(s)],
        ...['-filter_complex', `[0:v][1:v]overlay=x=1400:y=${BOX_Y}:shortest=1`],
        ...encode('ultrafast'),
      ];
    case 'black':
      return [...['-f', 'lavfi', '-i', `color=c=black:s=1920x1080:r=${FPS}:d=${s}`], ...encode('ultrafast')];
  }
}

/** Makes the clips that are missing; returns name → path. */
export async function ensureReframeCorpus(): Promise<Record<ReframeClip, string>> {
  const key = createHash('sha256')
    .update(
      argsOf.toString() +
        JSON.stringify(REFRAME_CLIPS, (_k, v: unknown) => (typeof v === 'function' ? v.toString() : v)),
    )
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `cutline-reframe-corpus-${key}`);
  await mkdir(dir, { recursive: true });
  const tex = {
    mid: join(dir, 'texture-mid.png'),
    dark: join(dir, 'texture-dark.png'),
    bright: join(dir, 'texture-bright.png'),
  };
  for (const [name, level] of [
    ['mid', 110],
    ['dark', 70],
    ['bright', 170],
  ] as const)
    if (!existsSync(tex[name]))
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', texture(level), '-frames:v', '1', tex[name]]);
  const paths = {} as Record<ReframeClip, string>;
  for (const clip of Object.keys(REFRAME_CLIPS) as ReframeClip[]) {
    paths[clip] = join(dir, `${clip}.mp4`);
    if (existsSync(paths[clip])) continue;
    const temp = join(dir, `.tmp-${clip}.mp4`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...argsOf(clip, tex), temp], { stdio: 'pipe' });
    await rename(temp, paths[clip]);
  }
  return paths;
}

/** What one output frame shows of the subjects: the horizontal extent of each, left to right. */
export type Extents = Array<{ left: number; right: number }>;

/**
 * Decodes `path` (W×H) frame by frame and gives, per frame, the columns where `match` finds
 * pixels, grouped into runs (a gap of more than `gap` columns starts a new subject).
 */
export function subjectExtents(
  path: string,
  W: number,
  H: number,
  match: (r: number, g: number, b: number) => boolean,
  gap = 8,
  /** Turn the picture a quarter left first, so its rows are measured as columns (top → left). */
  rows = false,
): Promise<Extents[]> {
  return new Promise((resolve, reject) => {
    const turn = rows ? ['-vf', 'transpose=2'] : [];
    const child = spawn('ffmpeg', [
      '-v',
      'error',
      '-i',
      path,
      ...turn,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    const frameBytes = W * H * 3;
    const frames: Extents[] = [];
    let pending = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        frames.push(extentsOf(pending.subarray(0, frameBytes), W, H, match, gap));
        pending = pending.subarray(frameBytes);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(frames) : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

function extentsOf(
  frame: Buffer,
  W: number,
  H: number,
  match: (r: number, g: number, b: number) => boolean,
  gap: number,
): Extents {
  const hits = new Uint16Array(W);
  for (let y = 0; y < H; y += 2)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      if (match(frame[i]!, frame[i + 1]!, frame[i + 2]!)) hits[x]!++;
    }
  const runs: Extents = [];
  let last = -Infinity;
  hits.forEach((count, x) => {
    if (count < 3) return;
    if (x - last > gap) runs.push({ left: x, right: x });
    else runs[runs.length - 1]!.right = x;
    last = x;
  });
  return runs;
}

export const isYellow = (r: number, g: number, b: number) => r > 170 && g > 170 && b < 90;
/** Anything but the face clip's plain blue canvas. */
export const isNotCanvas = (r: number, g: number, b: number) =>
  Math.abs(r - 0x14) + Math.abs(g - 0x1e) + Math.abs(b - 0x5a) > 60;

export interface SubjectMeasure {
  frames: number;
  /** Per frame: whether the subject's centre is inside the output frame. */
  inside: boolean[];
  /** Per frame: the crop's left edge in output pixels, where the subject shows it (else NaN). */
  camera: number[];
}

/**
 * Where the subject of `clip` is in a W×H output cropped from the 1920×1080 source at scale
 * `scale` (output height over source height): its centre inside or not, and the camera.
 */
export async function measureSubject(
  clip: 'moving' | 'face' | 'faceAndMotion' | 'cut' | 'still' | 'portrait',
  output: string,
  outputWidth: number,
  outputHeight: number,
): Promise<SubjectMeasure> {
  // The portrait clip is measured turned a quarter, so its vertical crop reads as a horizontal one.
  const rows = clip === 'portrait';
  const [W, H] = rows ? [outputHeight, outputWidth] : [outputWidth, outputHeight];
  const scale = H / 1080;
  const face = clip === 'face' || clip === 'faceAndMotion';
  const photo =
    clip === 'faceAndMotion'
      ? (r: number, g: number, b: number) => isNotCanvas(r, g, b) && !isYellow(r, g, b)
      : isNotCanvas;
  const extents = await subjectExtents(output, W, H, face ? photo : isYellow, 8, rows);
  const width = (face ? PHOTO : BOX) * scale;
  const seconds = REFRAME_CLIPS[clip].seconds;
  const inside: boolean[] = [];
  const camera: number[] = [];
  extents.forEach((runs, n) => {
    const run = runs.reduce<(typeof runs)[number] | undefined>(
      (widest, r) => (!widest || r.right - r.left > widest.right - widest.left ? r : widest),
      undefined,
    );
    const sourceLeft = REFRAME_CLIPS[clip].subjects((n / FPS) % seconds)[0]!;
    if (!run) {
      inside.push(false);
      camera.push(NaN);
      return;
    }
    const visible = run.right - run.left + 1;
    const clipped = run.left <= 0 || run.right >= W - 1;
    const left = run.left > 0 ? run.left : run.right + 1 - width;
    const centre = left + (face ? FACE_IN_PHOTO : 0.5) * width;
    inside.push(face ? centre >= 0 && centre < W : visible >= width / 2 - 1);
    camera.push(clipped ? NaN : sourceLeft * scale - run.left);
  });
  return { frames: extents.length, inside, camera };
}

export const share = (flags: boolean[]) => flags.filter(Boolean).length / Math.max(1, flags.length);
