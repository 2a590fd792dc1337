/**
 * make bench: measures the render engine against the physical limit of this work on this
 * machine — a bare ffmpeg encode of the same source to the same size and preset — in one run,
 * and writes the figures to bench/results/render-job.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SCRIPT } from './script.js';
import { sh, timed } from './timing.js';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PRESET = 'veryfast';
const CRF = '21';
const SIZES = { '9:16': [1080, 1920], '1:1': [1080, 1080], '16:9': [1920, 1080] } as const;
type Aspect = keyof typeof SIZES;

function bareEncodeArgs(source: string, aspect: Aspect, seconds: number, out: string): string[] {
  const [w, h] = SIZES[aspect];
  return [
    '-v',
    'error',
    '-y',
    '-i',
    source,
    '-t',
    seconds.toFixed(3),
    '-vf',
    `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h}`,
    '-c:v',
    'libx264',
    '-preset',
    PRESET,
    '-crf',
    CRF,
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '160k',
    out,
  ];
}

const ESPEAK = 'espeak:en-us';
const NEURAL = 'piper:en_US-joe-medium';

function renderArgs(source: string, formats: Aspect[], out: string, voice = ESPEAK): string[] {
  return [
    join(ROOT, 'render-job/bin/cutline-render.js'),
    '--video',
    source,
    '--text',
    SCRIPT,
    '--formats',
    formats.join(','),
    '--out',
    out,
    '--preset',
    PRESET,
    '--style',
    'karaoke',
    '--voice',
    voice,
    // The centre crop, as the bare encodes make: the smart fit has its own benchmark (reframe.ts).
    '--fit',
    'crop',
    '--events',
    'none',
  ];
}

async function main(): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'cutline-bench-'));
  const cache = join(tmpdir(), 'cutline-bench-source-v1');
  await mkdir(cache, { recursive: true });
  const source = join(cache, 'source-1080p-75s.mp4');
  if (!existsSync(source)) {
    console.log('bench: generating a 75 s 1080p30 source (once)…');
    sh('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=1920x1080:r=30:d=75',
      '-f',
      'lavfi',
      '-i',
      'sine=f=220:beep_factor=4:d=75',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      `${source}.tmp.mp4`,
    ]);
    sh('mv', [`${source}.tmp.mp4`, source]);
  }

  console.log('bench: speech synthesis + caption layout…');
  const ttsRuns = ttsLayoutRuns(ESPEAK);
  const neuralTtsRuns = ttsLayoutRuns(NEURAL);
  const narrationSeconds = ttsRuns[0]!.narrationSeconds;
  const neuralNarrationSeconds = neuralTtsRuns[0]!.narrationSeconds;

  // Interleave baseline and render so drifting machine load hits both alike; keep the best of two.
  const bare: Record<Aspect, number> = { '9:16': Infinity, '1:1': Infinity, '16:9': Infinity };
  const single: Record<Aspect, number> = { '9:16': Infinity, '1:1': Infinity, '16:9': Infinity };
  let three = Infinity;
  let neural = Infinity;
  let neuralBare = Infinity;
  let neuralTimings = { synthesisSeconds: 0, encodeSeconds: 0 };
  for (let round = 0; round < 2; round++) {
    console.log(`bench: round ${round + 1}, 9:16 render with the neural voice and its bare encode…`);
    neuralBare = Math.min(
      neuralBare,
      await timed('ffmpeg', bareEncodeArgs(source, '9:16', neuralNarrationSeconds, join(work, 'bare-neural.mp4'))),
    );
    const neuralRun = await timed(process.execPath, renderArgs(source, ['9:16'], join(work, 'neural'), NEURAL));
    if (neuralRun < neural) {
      neural = neuralRun;
      neuralTimings = (
        JSON.parse(await readFile(join(work, 'neural', 'manifest.json'), 'utf8')) as { timings: typeof neuralTimings }
      ).timings;
    }
    for (const aspect of Object.keys(SIZES) as Aspect[]) {
      console.log(`bench: round ${round + 1}, ${aspect} bare encode and single render…`);
      bare[aspect] = Math.min(
        bare[aspect],
        await timed(
          'ffmpeg',
          bareEncodeArgs(source, aspect, narrationSeconds, join(work, `bare-${aspect.replace(':', 'x')}.mp4`)),
        ),
      );
      single[aspect] = Math.min(
        single[aspect],
        await timed(process.execPath, renderArgs(source, [aspect], join(work, `single-${aspect.replace(':', 'x')}`))),
      );
    }
    console.log(`bench: round ${round + 1}, three-format render…`);
    three = Math.min(
      three,
      await timed(process.execPath, renderArgs(source, ['9:16', '1:1', '16:9'], join(work, 'three'))),
    );
  }
  await rm(work, { recursive: true, force: true });

  const sumBare = bare['9:16'] + bare['1:1'] + bare['16:9'];
  const sumSingles = single['9:16'] + single['1:1'] + single['16:9'];
  const tts = ttsRuns.reduce((best, r) => (r.seconds < best.seconds ? r : best));
  const maxRss = Math.max(...ttsRuns.map((r) => r.maxRssMb));
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const results = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: round2(totalmem() / 1024 ** 3),
      node: process.version,
      ffmpeg: execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0],
    },
    settings: {
      preset: PRESET,
      crf: Number(CRF),
      source: '1920x1080 30 fps H.264 + AAC, 75 s',
      narrationSeconds: round2(narrationSeconds),
      runs: 'best of 2, interleaved',
    },
    single: {
      renderSeconds: round2(single['9:16']),
      bareEncodeSeconds: round2(bare['9:16']),
      ratio: round2(single['9:16'] / bare['9:16']),
      target: 1.15,
    },
    threeFormats: {
      renderSeconds: round2(three),
      sumOfBareEncodesSeconds: round2(sumBare),
      ratio: round2(three / sumBare),
      target: 1.1,
      sumOfSingleRendersSeconds: round2(sumSingles),
      fasterThanSeparateRenders: three < sumSingles,
    },
    bareEncodes: Object.fromEntries(Object.entries(bare).map(([k, v]) => [k, round2(v)])),
    singleRenders: Object.fromEntries(Object.entries(single).map(([k, v]) => [k, round2(v)])),
    neural: {
      voice: NEURAL,
      narrationSeconds: round2(neuralNarrationSeconds),
      renderSeconds: round2(neural),
      bareEncodeSeconds: round2(neuralBare),
      ratio: round2(neural / neuralBare),
      // What the render waits for before ffmpeg starts (the timeline), and the encode it overlaps.
      synthesisBeforeEncodeSeconds: neuralTimings.synthesisSeconds,
      encodeSeconds: neuralTimings.encodeSeconds,
      target: 1.2,
      ttsAndLayoutSeconds: round2(Math.min(...neuralTtsRuns.map((r) => r.seconds))),
      ttsRuns: neuralTtsRuns.map((r) => round2(r.seconds)),
      ttsTargetSeconds: 8,
      peakRssMb: round2(Math.max(...neuralTtsRuns.map((r) => r.maxRssMb))),
      targetRssMb: 350,
      realtimeFactor: round2(Math.min(...neuralTtsRuns.map((r) => r.seconds)) / neuralNarrationSeconds),
    },
    ttsAndLayout: {
      seconds: round2(tts.seconds),
      targetSeconds: 2,
      segments: tts.segments,
      peakRssMb: round2(maxRss),
      targetRssMb: 150,
      runs: ttsRuns.map((r) => round2(r.seconds)),
    },
  };
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const md = `# render-job benchmark

Measured ${results.measuredAt} on ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GB, Node ${results.machine.node}, ${results.machine.ffmpeg}.
Source: ${results.settings.source}; narration ${results.settings.narrationSeconds} s; x264 preset ${PRESET}, CRF ${CRF}; ${results.settings.runs}.

| measure | result | target | |
|---|---|---|---|
| one 1080x1920 render vs bare encode | ${results.single.renderSeconds} s vs ${results.single.bareEncodeSeconds} s = **${results.single.ratio}×** | ≤ 1.15× | ${pass(results.single.ratio <= 1.15)} |
| three formats in one render vs sum of three bare encodes | ${results.threeFormats.renderSeconds} s vs ${results.threeFormats.sumOfBareEncodesSeconds} s = **${results.threeFormats.ratio}×** | ≤ 1.10× | ${pass(results.threeFormats.ratio <= 1.1)} |
| three formats in one render vs three single renders | ${results.threeFormats.renderSeconds} s vs ${results.threeFormats.sumOfSingleRendersSeconds} s | faster | ${pass(results.threeFormats.fasterThanSeparateRenders)} |
| speech synthesis + caption layout, ${results.settings.narrationSeconds} s narration | **${results.ttsAndLayout.seconds} s** (runs: ${results.ttsAndLayout.runs.join(', ')}) | ≤ 2 s | ${pass(results.ttsAndLayout.seconds <= 2)} |
| peak RSS of that Node process | **${results.ttsAndLayout.peakRssMb} MB** | ≤ 150 MB | ${pass(results.ttsAndLayout.peakRssMb <= 150)} |
| neural voice (${NEURAL}): synthesis + caption layout, ${results.neural.narrationSeconds} s narration | **${results.neural.ttsAndLayoutSeconds} s** (runs: ${results.neural.ttsRuns.join(', ')}; real-time factor ${results.neural.realtimeFactor}) | ≤ 8 s | ${pass(results.neural.ttsAndLayoutSeconds <= 8)} |
| its peak RSS | **${results.neural.peakRssMb} MB** | ≤ 350 MB | ${pass(results.neural.peakRssMb <= 350)} |
| one 1080x1920 render with the neural voice vs bare encode | ${results.neural.renderSeconds} s vs ${results.neural.bareEncodeSeconds} s = **${results.neural.ratio}×** | ≤ 1.20× | ${pass(results.neural.ratio <= 1.2)} |

The neural voice is planned before the one ffmpeg pass and speaks during it: its graph is cut at
the phoneme durations, so the render waits only for the timeline (phonemes and the timing part,
${results.neural.synthesisBeforeEncodeSeconds} s in the best run), writes the captions on the voice's own word timing, and the audio
part makes each clip while ffmpeg encodes (${results.neural.encodeSeconds} s, reading the narration from its stdin).

Bare encodes: ${Object.entries(results.bareEncodes)
    .map(([k, v]) => `${k} ${v} s`)
    .join(', ')}. Single renders: ${Object.entries(results.singleRenders)
    .map(([k, v]) => `${k} ${v} s`)
    .join(', ')}.
`;
  await writeFile(join(RESULTS, 'render-job.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS, 'render-job.md'), md);
  console.log(md);
}

interface TtsRun {
  seconds: number;
  narrationSeconds: number;
  segments: number;
  maxRssMb: number;
}

/** Three runs of synthesis + caption layout, each in a fresh Node process (bench/tts-layout.mjs). */
function ttsLayoutRuns(voice: string): TtsRun[] {
  const runs: TtsRun[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync(process.execPath, [join(ROOT, 'bench/tts-layout.mjs'), SCRIPT, voice], {
      encoding: 'utf8',
    });
    runs.push(JSON.parse(out.trim().split('\n').at(-1)!) as TtsRun);
  }
  return runs;
}

await main();
