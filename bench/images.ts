/**
 * make bench: image jobs — a typical 12 MP phone photo (4000 × 3000 JPEG with photo-like detail
 * and an EXIF orientation) to three platform presets, through the CLI as a worker runs it,
 * on this machine's cores. Writes bench/results/images.{json,md}: photos and output images
 * per second, and the worker's peak RSS (from /usr/bin/time); centre crops, then smart crops
 * (the reframe analysis with face detection, once per photo).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'render-job/bin/cutline-render.js');
const PHOTOS = 12;
const RUNS = 3;
const PRESETS = [
  { name: 'instagram-post', width: 1080, height: 1080, format: 'jpeg' },
  { name: 'instagram-story', width: 1080, height: 1920, format: 'jpeg' },
  { name: 'youtube-thumbnail', width: 1280, height: 720, format: 'webp' },
];

async function photo(dir: string, index: number): Promise<string> {
  const path = join(dir, `photo-${index}.jpg`);
  await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 120, sigma: 45 },
    },
  })
    .blur(2 + (index % 3))
    .withMetadata({ orientation: index % 2 === 0 ? 1 : 6 })
    .jpeg({ quality: 90, mozjpeg: true })
    .toFile(path);
  return path;
}

function run(specPath: string): { seconds: number; maxRssMb: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, BIN, '--spec', specPath, '--events', 'none'],
    {
      encoding: 'utf8',
      // HOME: where make tools put the face networks (config.ts faceModelsDir).
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`image job failed: ${result.stderr}`);
  const kb = Number(result.stderr.trim().split('\n').at(-1));
  return { seconds, maxRssMb: Math.round(kb / 1024) };
}

const dir = await mkdtemp(join(tmpdir(), 'cutline-bench-images-'));
try {
  const inputs: Array<{ name: string; source: string }> = [];
  for (let i = 0; i < PHOTOS; i++) inputs.push({ name: `p${i}`, source: await photo(dir, i) });
  const bytes = (await readFile(inputs[0]!.source)).length;
  const measure = async (crop: 'centre' | 'smart') => {
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const out = await mkdtemp(join(dir, 'out-'));
      const specPath = join(dir, `spec-${crop}-${r}.json`);
      await writeFile(
        specPath,
        JSON.stringify({
          version: 1,
          kind: 'image',
          id: `bench-${crop}-${r}`,
          inputs,
          outputs: PRESETS.map((p) => ({ ...p, crop })),
          limits: { maxInputBytes: 50 * 1024 * 1024, maxPixels: 50_000_000, maxFrames: 1 },
          output: { destination: out },
        }),
      );
      runs.push(run(specPath));
      await rm(out, { recursive: true, force: true });
    }
    return runs;
  };
  const runs = await measure('centre');
  const smartRuns = await measure('smart');
  const smartBest = smartRuns.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  const best = runs.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  const worstRss = Math.max(...runs.map((r) => r.maxRssMb));
  const results = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    photo: { width: 4000, height: 3000, megapixels: 12, jpegBytes: bytes },
    presets: PRESETS.map((p) => `${p.name} ${p.width}×${p.height} ${p.format}`),
    photos: PHOTOS,
    runs: runs.map((r) => ({ seconds: Math.round(r.seconds * 100) / 100, maxRssMb: r.maxRssMb })),
    photosPerSecond: Math.round((PHOTOS / best.seconds) * 100) / 100,
    imagesPerSecond: Math.round(((PHOTOS * PRESETS.length) / best.seconds) * 100) / 100,
    peakRssMb: worstRss,
    smart: {
      runs: smartRuns.map((r) => ({ seconds: Math.round(r.seconds * 100) / 100, maxRssMb: r.maxRssMb })),
      photosPerSecond: Math.round((PHOTOS / smartBest.seconds) * 100) / 100,
      imagesPerSecond: Math.round(((PHOTOS * PRESETS.length) / smartBest.seconds) * 100) / 100,
      peakRssMb: Math.max(...smartRuns.map((r) => r.maxRssMb)),
    },
  };
  await writeFile(join(ROOT, 'bench/results/images.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    join(ROOT, 'bench/results/images.md'),
    `# image jobs

\`npx tsx bench/images.ts\` on ${results.machine.cpus} × ${results.machine.model}.

${PHOTOS} photos of 4000 × 3000 (12 MP JPEG, ${Math.round(bytes / 1024)} KiB each, half with EXIF orientation 6),
each to ${results.presets.join(', ')}, as one image job run by the \`cutline-render\` command
(process start, decode, orientation, resize, encode and the manifest included). Best of ${RUNS} runs.

| | centre crop | smart crop (reframe analysis, faces) |
|---|---|---|
| photos per second | ${results.photosPerSecond} | ${results.smart.photosPerSecond} |
| output images per second | ${results.imagesPerSecond} | ${results.smart.imagesPerSecond} |
| peak RSS of the worker (worst run) | ${worstRss} MB | ${results.smart.peakRssMb} MB |

Runs, centre: ${results.runs.map((r) => `${r.seconds} s / ${r.maxRssMb} MB`).join(', ')}.
Runs, smart: ${results.smart.runs.map((r) => `${r.seconds} s / ${r.maxRssMb} MB`).join(', ')}.
`,
  );
  console.log(JSON.stringify(results, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
