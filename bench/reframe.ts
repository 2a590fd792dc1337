/**
 * make bench: the smart fit's cost and benefit, written to bench/results/reframe.{json,md}.
 *
 * Cost: the source below (a subject swinging across testsrc2, one hard cut) rendered to 9:16
 * and 1:1 with `fit: smart`, against bare ffmpeg encodes of the same two pictures (the crop
 * moved along the render's camera path), of the centre crops, and the render with the plain
 * crop; the analysis pass's own time is read from each manifest beside the encode time.
 * Benefit: on the test corpus (tests/render/reframe-corpus.ts), the share of frames whose
 * subject is inside the 9:16 and 1:1 outputs, smart fit against centre crop.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { faceModelsDir, parseRenderSpec, runRender, VoiceCatalogue, type RenderManifest } from '@cutline/render-job';
import { ensureReframeCorpus, measureSubject, share } from '../tests/render/reframe-corpus.js';
import { SCRIPT } from './script.js';
import { sh, timed } from './timing.js';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PRESET = 'veryfast';
const CRF = '21';
const FORMATS = { '9:16': [1080, 1920], '1:1': [1080, 1080] } as const;
type Format = keyof typeof FORMATS;
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * A minute of 1080p footage as costly to encode as the render-job benchmark's (testsrc2: detail
 * and motion everywhere) with a yellow subject swinging across it; from halfway on the picture
 * is inverted (a hard cut).
 */
async function source(): Promise<string> {
  const cache = join(tmpdir(), 'cutline-bench-reframe-v2');
  await mkdir(cache, { recursive: true });
  const path = join(cache, 'reframe-1080p-60s.mp4');
  if (existsSync(path)) return path;
  console.log('bench: generating a 60 s 1080p30 reframing source (once)…');
  const swing = "x='200+700*(1-cos(2*PI*t/20))':y='460+120*sin(2*PI*t/7)'";
  sh('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=30:d=60'],
    ...['-f', 'lavfi', '-i', 'color=c=yellow:s=200x200:r=30:d=60'],
    ...['-f', 'lavfi', '-i', 'sine=f=220:beep_factor=4:d=60'],
    '-filter_complex',
    `[0:v]split[a][b];[b]trim=start=30,setpts=PTS-STARTPTS,negate[inv];[a]trim=duration=30[first];[first][inv]concat=n=2:v=1:a=0[bg];[bg][1:v]overlay=${swing}:shortest=1[v]`,
    ...['-map', '[v]', '-map', '2:a', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-shortest', `${path}.tmp.mp4`],
  ]);
  sh('mv', [`${path}.tmp.mp4`, path]);
  return path;
}

/**
 * A sendcmd script that moves a bare encode's crop along a manifest's camera path (linear
 * between its points, as the manifest describes it), so the bare encode makes the same picture.
 */
function commandsFromPath(path: Array<[number, number]>, axis: 'x' | 'y', seconds: number): string {
  const room = axis === 'x' ? 'in_w-out_w' : 'in_h-out_h';
  const lines: string[] = [];
  let k = 0;
  for (let n = 1; n < Math.ceil(seconds * 30); n++) {
    const t = n / 30;
    while (k + 1 < path.length && path[k + 1]![0] <= t) k++;
    const [t0, v0] = path[k]!;
    const [t1, v1] = path[k + 1] ?? path[k]!;
    const v = t1 > t0 ? v0 + ((v1 - v0) * (t - t0)) / (t1 - t0) : v0;
    lines.push(`${((n - 0.5) / 30).toFixed(4)} crop@camera ${axis} (${room})*${v.toFixed(4)};`);
  }
  return `${lines.join('\n')}\n`;
}

/** The bare encode of one output: the centre crop, or the crop moved by `commands` (a sendcmd file). */
function bareEncodeArgs(input: string, format: Format, seconds: number, out: string, commands?: string): string[] {
  const [w, h] = FORMATS[format];
  const fit = `scale=${w}:${h}:force_original_aspect_ratio=increase`;
  return [
    ...['-v', 'error', '-y', '-i', input, '-t', seconds.toFixed(3)],
    '-vf',
    commands ? `fps=30,sendcmd=f=${commands},${fit},crop@camera=${w}:${h}` : `${fit},crop=${w}:${h}`,
    ...['-c:v', 'libx264', '-preset', PRESET, '-crf', CRF, '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '160k', out],
  ];
}

function renderArgs(input: string, fit: 'smart' | 'crop', out: string): string[] {
  return [
    join(ROOT, 'render-job/bin/cutline-render.js'),
    ...['--video', input, '--text', SCRIPT, '--formats', Object.keys(FORMATS).join(','), '--out', out],
    ...['--preset', PRESET, '--style', 'karaoke', '--voice', 'espeak:en-us', '--fit', fit, '--events', 'none'],
  ];
}

async function manifestOf(dir: string): Promise<RenderManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RenderManifest;
}

/** Smart fit vs centre crop on the corpus: the share of frames with the subject inside, per clip and format. */
async function corpusShares(): Promise<Array<{ clip: string; format: Format; smart: number; centre: number }>> {
  const corpus = await ensureReframeCorpus();
  const rows: Array<{ clip: string; format: Format; smart: number; centre: number }> = [];
  for (const clip of ['moving', 'face', 'cut', 'still'] as const) {
    const outs: Record<string, string> = {};
    for (const fit of ['smart', 'crop'] as const) {
      outs[fit] = await mkdtemp(join(tmpdir(), `cutline-bench-corpus-${fit}-`));
      const spec = parseRenderSpec({
        version: 1,
        video: { source: corpus[clip] },
        script: { text: 'The subject moves across the frame, and the camera keeps it in view from start to end.' },
        voice: { id: 'espeak:en' },
        captions: { enabled: false },
        formats: ['9:16', '1:1'],
        fit,
        maxResolution: 480,
        encoding: { preset: 'superfast' },
        output: { destination: outs[fit] },
      });
      const outcome = await runRender(spec, {
        catalogue: VoiceCatalogue.standard(),
        events: { emit: () => undefined, close: async () => undefined },
        scratchDir: tmpdir(),
        faceModelsDir: faceModelsDir(),
      });
      if (!outcome.ok) throw new Error(`${clip} ${fit}: ${outcome.error.message}`);
    }
    for (const [format, W, H] of [
      ['9:16', 480, 854],
      ['1:1', 480, 480],
    ] as const) {
      const file = `video-${format.replace(':', 'x')}.mp4`;
      const smart = await measureSubject(clip, join(outs.smart!, file), W, H);
      const centre = await measureSubject(clip, join(outs.crop!, file), W, H);
      rows.push({ clip, format, smart: round2(share(smart.inside) * 100), centre: round2(share(centre.inside) * 100) });
    }
    for (const dir of Object.values(outs)) await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const input = await source();
  const work = await mkdtemp(join(tmpdir(), 'cutline-bench-reframe-'));
  let narrationSeconds = 0;
  const best = { bareCentre: Infinity, bareCamera: Infinity, smart: Infinity, crop: Infinity };
  let analysis = { seconds: Infinity, encodeSeconds: 0 };
  let shots = '';
  for (let round = 0; round < 2; round++) {
    console.log(`bench: reframe round ${round + 1}: smart render, bare encodes (centre and camera), crop render…`);
    const smartDir = join(work, `smart-${round}`);
    best.smart = Math.min(best.smart, await timed(process.execPath, renderArgs(input, 'smart', smartDir)));
    const manifest = await manifestOf(smartDir);
    narrationSeconds = manifest.durationSeconds;
    const reframe = manifest.reframe!;
    if (reframe.warnings.length) throw new Error(`smart render warned: ${reframe.warnings.join(' ')}`);
    if (reframe.analysisSeconds < analysis.seconds)
      analysis = { seconds: reframe.analysisSeconds, encodeSeconds: manifest.timings.encodeSeconds };
    shots = reframe.cameras
      .map((c) => `${c.aspect}: ${c.shots.map((s) => `${s.start}–${s.end} s ${s.mode}`).join(', ')}`)
      .join('; ');
    let centre = 0;
    let camera = 0;
    for (const format of Object.keys(FORMATS) as Format[]) {
      const label = format.replace(':', 'x');
      centre += await timed('ffmpeg', bareEncodeArgs(input, format, narrationSeconds, join(work, `bare-${label}.mp4`)));
      const path = reframe.cameras.find((c) => c.aspect === format)!;
      const commands = join(work, `camera-${label}.cmd`);
      await writeFile(commands, commandsFromPath(path.path, path.axis, narrationSeconds));
      camera += await timed(
        'ffmpeg',
        bareEncodeArgs(input, format, narrationSeconds, join(work, `camera-${label}.mp4`), commands),
      );
    }
    best.bareCentre = Math.min(best.bareCentre, centre);
    best.bareCamera = Math.min(best.bareCamera, camera);
    best.crop = Math.min(
      best.crop,
      await timed(process.execPath, renderArgs(input, 'crop', join(work, `crop-${round}`))),
    );
  }
  await rm(work, { recursive: true, force: true });
  console.log('bench: subject inside the crop on the test corpus…');
  const corpus = await corpusShares();

  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: {
      source: '1920x1080 30 fps H.264 (veryfast, B-frames) + AAC, 60 s: testsrc2 with a subject, one hard cut',
      formats: Object.keys(FORMATS),
      narrationSeconds: round2(narrationSeconds),
      preset: PRESET,
      crf: Number(CRF),
      runs: 'best of 2, interleaved',
    },
    analysis: {
      seconds: round2(analysis.seconds),
      encodeSeconds: round2(analysis.encodeSeconds),
      shareOfEncode: Math.round((analysis.seconds / analysis.encodeSeconds) * 1000) / 1000,
      target: 0.1,
    },
    shots,
    render: {
      smartSeconds: round2(best.smart),
      bareEncodesSameCameraSeconds: round2(best.bareCamera),
      ratio: round2(best.smart / best.bareCamera),
      target: 1.1,
      bareEncodesCentreCropSeconds: round2(best.bareCentre),
      ratioToCentreCrop: round2(best.smart / best.bareCentre),
      cropRenderSeconds: round2(best.crop),
      cropRenderRatio: round2(best.crop / best.bareCentre),
    },
    corpus,
  };
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const md = `# Smart fit (reframing) benchmark

Measured ${results.measuredAt} on ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}.
Source: ${results.settings.source}; outputs 9:16 and 1:1 at 1080p; narration ${results.settings.narrationSeconds} s; x264 ${PRESET}, CRF ${CRF}; ${results.settings.runs}.

| measure | result | target | |
|---|---|---|---|
| analysis pass vs the render's encode | ${results.analysis.seconds} s vs ${results.analysis.encodeSeconds} s = **${((100 * analysis.seconds) / analysis.encodeSeconds).toFixed(1)} %** | ≤ 10 % | ${pass(analysis.seconds <= 0.1 * analysis.encodeSeconds)} |
| smart render (9:16 + 1:1) vs the two bare encodes of the same pictures (their crops moved along the render's camera paths) | ${results.render.smartSeconds} s vs ${results.render.bareEncodesSameCameraSeconds} s = **${results.render.ratio}×** | ≤ 1.10× | ${pass(results.render.ratio <= 1.1)} |
| smart render vs the two bare encodes with the centre crop | ${results.render.smartSeconds} s vs ${results.render.bareEncodesCentreCropSeconds} s = ${results.render.ratioToCentreCrop}× | | |
| the same render with the centre crop vs those bare encodes | ${results.render.cropRenderSeconds} s vs ${results.render.bareEncodesCentreCropSeconds} s = ${results.render.cropRenderRatio}× | | |

Camera shots: ${results.shots}.

The analysis runs beside the narration's synthesis, so the render waits for it only when it
takes longer than the synthesis. A moving crop changes what x264 encodes (a pan costs more than
a still picture), which is why the bare encodes that follow the same camera are the baseline
for the render's own overhead.

Subject's centre inside the output, share of frames (test corpus, 480p outputs):

| clip | format | smart fit | centre crop |
|---|---|---|---|
${corpus.map((r) => `| ${r.clip} | ${r.format} | ${r.smart} % | ${r.centre} % |`).join('\n')}
`;
  await writeFile(join(RESULTS, 'reframe.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS, 'reframe.md'), md);
  console.log(md);
}

await main();
