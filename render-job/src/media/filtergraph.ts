/**
 * Builds the single ffmpeg invocation of a render: inputs, one filter_complex, and every output.
 * Pure (no I/O), so it is unit tested; media/ffmpeg.ts runs what it returns.
 *
 * The source is decoded once, normalised (fps, length), then `split` feeds each aspect's
 * scale/crop/pad → captions (libass) → logo chain. Audio is mixed once (voice over ducked
 * original and music, loudness-normalised) and `asplit` to every output.
 */
import { aspectLabel, outputSize, type Aspect } from '../spec.js';
import type { MediaKind } from './media-formats.js';
import { cameraFilterName, offsetExpression } from './reframe/reframe-plan.js';

export interface GraphInput {
  path: string;
  options: string[];
  /** What the file holds: ffmpeg opens it with that kind's containers only (media-formats.ts). */
  kind: MediaKind;
}

export interface GraphOutput {
  path: string;
  options: string[];
  kind: 'video' | 'thumbnail';
  aspect?: Aspect;
  width: number;
  height: number;
}

export interface FfmpegPlan {
  inputs: GraphInput[];
  filterComplex: string;
  outputs: GraphOutput[];
  duration: number;
}

export interface PlanFormat {
  aspect: Aspect;
  /** With `fit: smart`: where this format's crop starts, and the frames shown as the blur fit instead. */
  camera?: PlanCamera;
  /** ASS file with this format's captions (and watermark), or none. */
  assPath?: string;
  outputPath: string;
}

export interface PlanCamera {
  axis: 'x' | 'y';
  initialOffset: number;
  blurRanges: ReadonlyArray<readonly [number, number]>;
}

export interface PlanOptions {
  videoPath: string;
  videoDuration: number;
  videoHasAudio: boolean;
  narrationPath: string;
  narrationDuration: number;
  formats: PlanFormat[];
  maxResolution: number;
  /** Source's shorter side: outputs are never upscaled beyond what the cap allows. */
  fit: 'crop' | 'letterbox' | 'blur' | 'smart';
  /** The sendcmd script that moves the smart crops (reframe/reframe-plan.ts). */
  cameraCommandsPath?: string;
  extend: 'loop' | 'freeze';
  fps: number;
  fontsDir?: string;
  logo?: {
    path: string;
    position: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' | 'center';
    opacity: number;
    scale: number;
  };
  audio: {
    original: 'duck' | 'drop';
    originalGainDb: number;
    music?: { path: string; gainDb: number };
  };
  encoding: { preset: string; crf: number };
  thumbnailPath?: string;
}

/**
 * Escapes a value for an ffmpeg filter option inside a filtergraph (two levels: the option
 * parser's `\ ' :`, then the graph parser's `\ ' [ ] , ;`). ffmpeg's own documentation, "Notes
 * on filtergraph escaping", describes both levels.
 */
export function escapeFilterValue(value: string): string {
  const level1 = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return level1.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

export function buildFfmpegPlan(o: PlanOptions): FfmpegPlan {
  const D = o.narrationDuration;
  const { inputs, logoIndex, musicIndex } = planInputs(o);
  const chains = [...sourceChains(o, logoIndex)];
  const outputs: GraphOutput[] = [];
  o.formats.forEach((format, i) => {
    const { width, height } = outputSize(format.aspect, o.maxResolution);
    const { chains: formatChains, label } = formatChainsOf(o, format, i, width, height, logoIndex >= 0);
    chains.push(...formatChains);
    const finalLabel = `v${i}`;
    chains.push(
      i === 0 && o.thumbnailPath
        ? `[${label}]format=yuv420p,split=2[${finalLabel}][thumbsrc]`
        : `[${label}]format=yuv420p[${finalLabel}]`,
    );
    outputs.push(videoOutput(o, format, finalLabel, `a${i}`, width, height));
  });
  if (o.thumbnailPath) {
    const first = outputs[0]!;
    // A frame ~1 s in (or mid-clip for short narrations): past any fade-in, with a caption up.
    const frame = Math.max(0, Math.round(Math.min(1, D / 2) * o.fps));
    chains.push(`[thumbsrc]trim=start_frame=${frame}:end_frame=${frame + 1},setpts=PTS-STARTPTS[thumb]`);
    outputs.push({
      kind: 'thumbnail',
      path: o.thumbnailPath,
      width: first.width,
      height: first.height,
      options: ['-map', '[thumb]', '-frames:v', '1', '-update', '1', '-q:v', '3'],
    });
  }
  chains.push(...audioChains(o, musicIndex));
  return { inputs, filterComplex: chains.join(';'), outputs, duration: D };
}

/** The source video (looped when it must last longer), the narration, and the logo and music when given. */
function planInputs(o: PlanOptions): { inputs: GraphInput[]; logoIndex: number; musicIndex: number } {
  const needsLoop = o.extend === 'loop' && o.videoDuration < o.narrationDuration;
  const inputs: GraphInput[] = [
    { path: o.videoPath, options: needsLoop ? ['-stream_loop', '-1'] : [], kind: 'video' },
    { path: o.narrationPath, options: [], kind: 'audio' },
  ];
  let logoIndex = -1;
  if (o.logo) {
    logoIndex = inputs.length;
    inputs.push({ path: o.logo.path, options: [], kind: 'image' });
  }
  let musicIndex = -1;
  if (o.audio.music) {
    musicIndex = inputs.length;
    inputs.push({ path: o.audio.music.path, options: ['-stream_loop', '-1'], kind: 'audio' });
  }
  return { inputs, logoIndex, musicIndex };
}

/** One decode at a constant frame rate and exactly the narration's length, split to every format (and the logo too). */
function sourceChains(o: PlanOptions, logoIndex: number): string[] {
  const D = o.narrationDuration;
  const n = o.formats.length;
  const freeze =
    o.extend === 'freeze' && o.videoDuration < D
      ? `tpad=stop_mode=clone:stop_duration=${num(D - o.videoDuration + 1)},`
      : '';
  // The commands' times are the output's: after trim and setpts, frame n is at n/fps.
  const camera = o.cameraCommandsPath ? `sendcmd=f=${escapeFilterValue(o.cameraCommandsPath)},` : '';
  const chains = [
    `[0:v]${freeze}fps=${o.fps},trim=duration=${num(D)},setpts=PTS-STARTPTS,${camera}setsar=1,split=${n}${o.formats.map((_, i) => `[src${i}]`).join('')}`,
  ];
  if (logoIndex >= 0 && o.logo) {
    chains.push(
      `[${logoIndex}:v]format=rgba,colorchannelmixer=aa=${num(o.logo.opacity)}${n > 1 ? `,split=${n}${o.formats.map((_, i) => `[logo${i}]`).join('')}` : '[logo0]'}`,
    );
  }
  return chains;
}

/** Format `i`: fitted to W×H, then its captions and the logo; returns the chains and the last label. */
function formatChainsOf(
  o: PlanOptions,
  format: PlanFormat,
  i: number,
  W: number,
  H: number,
  hasLogo: boolean,
): { chains: string[]; label: string } {
  const chains =
    o.fit === 'smart' && format.camera
      ? smartFitChains(format.camera, `src${i}`, `fit${i}`, i, W, H, o.fps)
      : fitChains(o.fit === 'smart' ? 'crop' : o.fit, `src${i}`, `fit${i}`, i, W, H);
  let label = `fit${i}`;
  if (format.assPath) {
    const fonts = o.fontsDir ? `:fontsdir=${escapeFilterValue(o.fontsDir)}` : '';
    chains.push(`[${label}]ass=filename=${escapeFilterValue(format.assPath)}${fonts}[cap${i}]`);
    label = `cap${i}`;
  }
  if (hasLogo && o.logo) {
    const logoWidth = Math.max(2, Math.round((W * o.logo.scale) / 2) * 2);
    const margin = Math.round(Math.min(W, H) * 0.04);
    const position = {
      'top-left': `${margin}:${margin}`,
      'top-right': `W-w-${margin}:${margin}`,
      'bottom-left': `${margin}:H-h-${margin}`,
      'bottom-right': `W-w-${margin}:H-h-${margin}`,
      center: '(W-w)/2:(H-h)/2',
    }[o.logo.position];
    chains.push(`[logo${i}]scale=${logoWidth}:-2[logosized${i}]`);
    chains.push(`[${label}][logosized${i}]overlay=${position}:format=auto:eof_action=repeat[logod${i}]`);
    label = `logod${i}`;
  }
  return { chains, label };
}

/** The source brought to W×H: cropped to fill, letterboxed, or over a blurred copy of itself. */
function fitChains(
  fit: Exclude<PlanOptions['fit'], 'smart'>,
  from: string,
  to: string,
  i: number,
  W: number,
  H: number,
): string[] {
  switch (fit) {
    case 'crop':
      return [
        `[${from}]scale=${W}:${H}:force_original_aspect_ratio=increase:force_divisible_by=2,crop=${W}:${H}[${to}]`,
      ];
    case 'letterbox':
      return [
        `[${from}]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:black[${to}]`,
      ];
    case 'blur': {
      // The background is blurred at 1/8 size: the same look for a fraction of the cost.
      const bw = Math.max(2, Math.round(W / 16) * 2);
      const bh = Math.max(2, Math.round(H / 16) * 2);
      return [
        `[${from}]split=2[bgsrc${i}][fgsrc${i}]`,
        `[bgsrc${i}]scale=${bw}:${bh}:force_original_aspect_ratio=increase,crop=${bw}:${bh},boxblur=4:2,scale=${W}:${H},setsar=1[bg${i}]`,
        `[fgsrc${i}]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2[fg${i}]`,
        `[bg${i}][fg${i}]overlay=(W-w)/2:(H-h)/2[${to}]`,
      ];
    }
  }
}

/**
 * One picture fitted to W×H (the caption previews' still): the same chains a render uses,
 * from label `from` to `to`; with `smart`, the camera says where the crop sits.
 */
export function fitGraph(
  fit: PlanOptions['fit'],
  from: string,
  to: string,
  W: number,
  H: number,
  camera?: PlanCamera,
): string {
  if (fit === 'smart' && camera) return smartFitChains(camera, from, to, 0, W, H, 1).join(';');
  return fitChains(fit === 'smart' ? 'crop' : fit, from, to, 0, W, H).join(';');
}

/**
 * The smart fit: a fill crop the camera commands move (its filter is named so they reach it),
 * with the blurred-background fit laid over it for the shots whose subjects do not fit.
 */
function smartFitChains(
  camera: PlanCamera,
  from: string,
  to: string,
  i: number,
  W: number,
  H: number,
  fps: number,
): string[] {
  const offset = offsetExpression(camera.axis, camera.initialOffset);
  const crop = `scale=${W}:${H}:force_original_aspect_ratio=increase:force_divisible_by=2,${cameraFilterName(i)}=${W}:${H}:${camera.axis}=${offset}`;
  if (camera.blurRanges.length === 0) return [`[${from}]${crop}[${to}]`];
  const half = 0.5 / fps;
  const when = camera.blurRanges.map(([a, b]) => `between(t,${num(a / fps - half)},${num(b / fps - half)})`).join('+');
  return [
    `[${from}]split=2[camsrc${i}][altsrc${i}]`,
    `[camsrc${i}]${crop}[cam${i}]`,
    ...fitChains('blur', `altsrc${i}`, `alt${i}`, i, W, H),
    `[cam${i}][alt${i}]overlay=0:0:enable='${when}'[${to}]`,
  ];
}

/** H.264 high / AAC 48 kHz stereo, streamable (faststart), exactly the narration's length. */
function videoOutput(
  o: PlanOptions,
  format: PlanFormat,
  videoLabel: string,
  audioLabel: string,
  width: number,
  height: number,
): GraphOutput {
  return {
    kind: 'video',
    aspect: format.aspect,
    path: format.outputPath,
    width,
    height,
    options: [
      ...['-map', `[${videoLabel}]`, '-map', `[${audioLabel}]`],
      ...['-c:v', 'libx264', '-preset', o.encoding.preset, '-crf', String(o.encoding.crf)],
      ...['-profile:v', 'high', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-b:a', '160k', '-ar', '48000', '-ac', '2'],
      ...['-movflags', '+faststart', '-t', num(o.narrationDuration)],
      ...['-metadata', `comment=Made with Cutline (${aspectLabel(format.aspect)})`],
    ],
  };
}

/** Voice over the ducked original and music, limited once, split to every output as [a<i>]. */
function audioChains(o: PlanOptions, musicIndex: number): string[] {
  const D = o.narrationDuration;
  const n = o.formats.length;
  const chains: string[] = [];
  const duckOriginal = o.audio.original === 'duck' && o.videoHasAudio;
  const voiceTaps = 1 + (duckOriginal ? 1 : 0) + (musicIndex >= 0 ? 1 : 0);
  const toStereo48k = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';
  // The narration arrives already at the loudness target (tts/loudness.ts).
  const voice = `[1:a]${toStereo48k}`;
  chains.push(
    voiceTaps > 1
      ? `${voice},asplit=${voiceTaps}[voice]${Array.from({ length: voiceTaps - 1 }, (_, k) => `[key${k}]`).join('')}`
      : `${voice}[voice]`,
  );
  const beds: string[] = [];
  let keyIndex = 0;
  if (duckOriginal) {
    chains.push(`[0:a]${toStereo48k},atrim=duration=${num(D)},volume=${num(o.audio.originalGainDb)}dB[orig]`);
    chains.push(
      `[orig][key${keyIndex++}]sidechaincompress=threshold=0.03:ratio=6:attack=15:release=350:makeup=1[origducked]`,
    );
    beds.push('[origducked]');
  }
  if (musicIndex >= 0 && o.audio.music) {
    chains.push(
      `[${musicIndex}:a]${toStereo48k},atrim=duration=${num(D)},volume=${num(o.audio.music.gainDb)}dB[music]`,
    );
    chains.push(
      `[music][key${keyIndex++}]sidechaincompress=threshold=0.03:ratio=8:attack=15:release=400:makeup=1[musicducked]`,
    );
    beds.push('[musicducked]');
  }
  const mixed =
    beds.length > 0 ? `[voice]${beds.join('')}amix=inputs=${beds.length + 1}:duration=first:normalize=0,` : '[voice]';
  chains.push(
    `${mixed}apad=whole_dur=${num(D)},atrim=duration=${num(D)},alimiter=limit=0.89:attack=5:release=50:level=false` +
      (n > 1 ? `,asplit=${n}${o.formats.map((_, i) => `[a${i}]`).join('')}` : '[a0]'),
  );
  return chains;
}
