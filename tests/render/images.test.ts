/**
 * The image job kind against a corpus the suite makes with sharp: every preset's exact size
 * and format; JPEG, PNG with alpha, 16-bit PNG, WebP, AVIF, GIF and CMYK TIFF decode; EXIF
 * orientations 1–8 come out upright (pixel check against the EXIF rules written out here);
 * GPS metadata is gone; quality orders sizes; and bad files (not an image, truncated, a
 * 50,000 × 50,000 bomb, thousands of frames, SVG) fail with their codes, exit 2, leaving nothing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pngBomb } from '../fixture/image-bomb.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  faceModelsDir,
  IMAGE_PRESETS,
  parseImageSpec,
  runImageJob,
  type ImageJobOutcome,
  type ImageOutputSpec,
  type RenderEvent,
} from '@cutline/render-job';
import { facePhoto } from './reframe-corpus.js';

let dir: string;
const LIMITS = { maxInputBytes: 100 * 1024 * 1024, maxPixels: 60_000_000, maxFrames: 500 };

/** A 400×300 picture: red top-left quadrant, green top-right, blue bottom half. */
function quadrants(width = 400, height = 300): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const colour = y >= height / 2 ? [0, 0, 255] : x < width / 2 ? [255, 0, 0] : [0, 255, 0];
      pixels.set(colour, i);
    }
  return pixels;
}

async function job(
  inputs: Array<{ name: string; source: string }>,
  outputs: ImageOutputSpec[],
  extra: Record<string, unknown> = {},
): Promise<{ outcome: ImageJobOutcome; outDir: string; events: RenderEvent[] }> {
  const outDir = await mkdtemp(join(tmpdir(), 'cutline-images-out-'));
  const events: RenderEvent[] = [];
  const spec = parseImageSpec({
    version: 1,
    kind: 'image',
    id: 'img-test',
    inputs,
    outputs,
    limits: LIMITS,
    output: { destination: outDir },
    ...extra,
  });
  const outcome = await runImageJob(spec, {
    events: { emit: (e) => void events.push(e), close: async () => undefined },
    scratchDir: tmpdir(),
  });
  return { outcome, outDir, events };
}

function ok(outcome: ImageJobOutcome) {
  if (!outcome.ok) throw new Error(`image job failed: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.manifest;
}

/** Mean colour of a box of an image file, as [r, g, b]. */
async function meanColour(file: string, box: { left: number; top: number; width: number; height: number }) {
  const { data, info } = await sharp(file).extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c]!;
  return sums.map((s) => Math.round(s / (data.length / info.channels)));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutline-images-'));
  const raw = { raw: { width: 400, height: 300, channels: 3 as const } };
  await sharp(quadrants(), raw).jpeg().toFile(join(dir, 'photo.jpg'));
  await sharp(quadrants(4000, 3000), { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(join(dir, 'big.jpg'));
  // Detail like a photo's, so quality matters to the size.
  await sharp({
    create: {
      width: 1200,
      height: 900,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .blur(1.2)
    .jpeg({ quality: 95 })
    .toFile(join(dir, 'detail.jpg'));
  await sharp(quadrants(), raw).ensureAlpha(0.5).png().toFile(join(dir, 'alpha.png'));
  await sharp(quadrants(), raw).toColourspace('rgb16').png().toFile(join(dir, 'deep.png'));
  await sharp(quadrants(), raw).webp().toFile(join(dir, 'photo.webp'));
  await sharp(quadrants(), raw).avif().toFile(join(dir, 'photo.avif'));
  await sharp(quadrants(), raw).gif().toFile(join(dir, 'photo.gif'));
  await sharp(quadrants(), raw).toColourspace('cmyk').tiff().toFile(join(dir, 'print.tif'));
  await sharp(quadrants(), raw)
    .withExif({
      IFD0: { Make: 'Phone' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2964/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4020/100',
      },
    })
    .jpeg()
    .toFile(join(dir, 'gps.jpg'));
});

describe('image jobs', () => {
  it('makes every platform preset at its exact size and format', async () => {
    const outputs = IMAGE_PRESETS.map((p) => ({ name: p.id, width: p.width, height: p.height, format: p.format }));
    const { outcome, outDir, events } = await job([{ name: 'big', source: join(dir, 'big.jpg') }], outputs);
    const manifest = ok(outcome);
    for (const preset of IMAGE_PRESETS) {
      const meta = await sharp(join(outDir, `big-${preset.id}.jpg`)).metadata();
      expect([preset.id, meta.width, meta.height, meta.format]).toEqual([
        preset.id,
        preset.width,
        preset.height,
        'jpeg',
      ]);
    }
    expect(manifest.images).toHaveLength(IMAGE_PRESETS.length);
    expect(await readdir(outDir)).toContain('manifest.json');
    // Progress per image, ending at every one done.
    const progress = events.flatMap((e) => (e.type === 'progress' && e.stage === 'encoding' ? [e.stageProgress] : []));
    expect(progress.at(-1)).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'state', state: 'succeeded' });
  });

  it('reads JPEG, PNG with alpha, 16-bit PNG, WebP, AVIF, GIF and CMYK TIFF into sRGB outputs of each format', async () => {
    const inputs = ['photo.jpg', 'alpha.png', 'deep.png', 'photo.webp', 'photo.avif', 'photo.gif', 'print.tif'].map(
      (file) => ({ name: file.replace(/\./g, '-'), source: join(dir, file) }),
    );
    const outputs = (['jpeg', 'png', 'webp', 'avif'] as const).map((format) => ({
      name: format,
      width: 200,
      height: 150,
      format,
    }));
    const manifest = ok((await job(inputs, outputs)).outcome);
    expect(manifest.inputs.find((i) => i.name === 'print-tif')!.facts.space).toBe('cmyk');
    for (const image of manifest.images) {
      const meta = await sharp(image.uri).metadata();
      expect([image.name, meta.format === 'heif' ? 'avif' : meta.format, meta.width, meta.height, meta.space]).toEqual([
        image.name,
        image.format,
        200,
        150,
        'srgb',
      ]);
      // The red quadrant is still red, whatever the source format (CMYK converted, alpha flattened onto white).
      const [r, g, b] = await meanColour(image.uri, { left: 10, top: 10, width: 60, height: 40 });
      expect(r! - Math.max(g!, b!)).toBeGreaterThan(60);
    }
  });

  it('reads a HEIC photo (HEVC, as phones save it) through libheif: exact size, colours in place', async () => {
    // heif-enc (libheif-examples, installed by make tools) writes HEVC-coded HEIF as an iPhone does.
    const png = join(dir, 'heic-source.png');
    await sharp(quadrants(), { raw: { width: 400, height: 300, channels: 3 } })
      .png()
      .toFile(png);
    const encoded = spawnSync('heif-enc', ['-q', '80', '-o', join(dir, 'phone.heic'), png], { encoding: 'utf8' });
    expect(encoded.status, encoded.stderr).toBe(0);
    const manifest = ok(
      (
        await job(
          [{ name: 'phone', source: join(dir, 'phone.heic') }],
          [{ name: 'post', width: 200, height: 150, format: 'jpeg' }],
        )
      ).outcome,
    );
    expect(manifest.inputs[0]!.facts).toMatchObject({
      container: 'heif',
      compression: 'hevc',
      width: 400,
      height: 300,
    });
    const image = manifest.images[0]!;
    const meta = await sharp(image.uri).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 150]);
    const [r, g, b] = await meanColour(image.uri, { left: 10, top: 10, width: 60, height: 40 });
    expect(r! - Math.max(g!, b!)).toBeGreaterThan(60);
    const [, green] = await meanColour(image.uri, { left: 130, top: 10, width: 60, height: 40 });
    expect(green).toBeGreaterThan(150);
  });

  it('draws a text line in a caption style and a logo in its corner, on every output', async () => {
    const logo = join(dir, 'logo.png');
    await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 255, g: 0, b: 255, alpha: 1 } } })
      .png()
      .toFile(logo);
    const whitePixels = async (file: string, box: { left: number; top: number; width: number; height: number }) => {
      const { data, info } = await sharp(file).extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let n = 0;
      for (let i = 0; i < data.length; i += info.channels)
        if (data[i]! > 230 && data[i + 1]! > 230 && data[i + 2]! > 230) n++;
      return n;
    };
    const outputs = [
      { name: 'wide', width: 800, height: 600, format: 'png' as const },
      { name: 'square', width: 600, height: 600, format: 'jpeg' as const },
    ];
    const plain = ok((await job([{ name: 'photo', source: join(dir, 'photo.jpg') }], outputs)).outcome);
    const marked = ok(
      (
        await job([{ name: 'photo', source: join(dir, 'photo.jpg') }], outputs, {
          overlay: {
            text: { content: 'Spring sale <b>&</b> "50 %" off', style: 'bold-outline', position: 'bottom' },
            logo: { source: logo, position: 'top-left', scale: 0.2 },
          },
        })
      ).outcome,
    );
    for (const [i, image] of marked.images.entries()) {
      const { width, height } = image;
      const band = { left: 0, top: Math.round(height * 0.6), width, height: Math.round(height * 0.4) };
      // The blue bottom half has no white until the text is drawn (white fill, black outline).
      expect(await whitePixels(plain.images[i]!.uri, band)).toBe(0);
      expect(await whitePixels(image.uri, band)).toBeGreaterThan(500);
      // The logo: magenta just inside the top-left margin; the top-right stays green.
      const inset = Math.round(Math.min(width, height) * 0.03) + 5;
      const [r, g, b] = await meanColour(image.uri, { left: inset, top: inset, width: 10, height: 10 });
      expect([r! > 200, g! < 60, b! > 200]).toEqual([true, true, true]);
      const [, green] = await meanColour(image.uri, { left: width - 40, top: 10, width: 20, height: 20 });
      expect(green).toBeGreaterThan(200);
    }
  });

  it('crops smartly with the reframe analysis: the face, not the bright distractor, stays in a portrait crop', async () => {
    // A landscape picture: the sample photograph's face on the left, a big yellow texture on the right.
    const photo = await sharp(facePhoto()).resize(400, 400).png().toBuffer();
    // Bright, saturated and full of detail: saliency alone would rather keep this.
    const yellow = await sharp({
      create: {
        width: 400,
        height: 400,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 90 },
      },
    })
      .linear([0.6, 0.6, 0.1], [110, 110, 0])
      .png()
      .toBuffer();
    const scene = join(dir, 'face-and-box.jpg');
    await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#141e5a' } })
      .composite([
        { input: photo, left: 120, top: 340 },
        { input: yellow, left: 1300, top: 340 },
      ])
      .jpeg({ quality: 92 })
      .toFile(scene);
    const outDir = await mkdtemp(join(tmpdir(), 'cutline-images-smart-'));
    const spec = parseImageSpec({
      version: 1,
      kind: 'image',
      id: 'img-smart',
      inputs: [{ name: 'scene', source: scene }],
      outputs: [{ name: 'story', width: 540, height: 960, format: 'png', crop: 'smart' }],
      limits: LIMITS,
      output: { destination: outDir },
    });
    const outcome = await runImageJob(spec, {
      events: { emit: () => undefined, close: async () => undefined },
      scratchDir: tmpdir(),
      faceModelsDir: faceModelsDir(),
    });
    const manifest = ok(outcome);
    // The detector found the photograph's one face, and the crop was centred with it.
    expect(manifest.inputs[0]!.faces).toBe(1);
    const image = manifest.images[0]!;
    expect([image.width, image.height]).toEqual([540, 960]);
    const { data, info } = await sharp(image.uri).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let yellowPixels = 0;
    let photoPixels = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (r > 100 && g > 100 && b < 60) yellowPixels++;
      else if (Math.abs(r - 0x14) + Math.abs(g - 0x1e) + Math.abs(b - 0x5a) > 60) photoPixels++;
    }
    const pixels = info.width * info.height;
    expect(yellowPixels / pixels).toBeLessThan(0.02);
    // The 400-pixel photograph, scaled by 960/1080, is 24 % of the crop: all of it is there.
    expect(photoPixels / pixels).toBeGreaterThan(0.22);
  });

  it('applies EXIF orientations 1–8 before sizing: the red quadrant ends up top-left', async () => {
    const W = 400;
    const H = 300;
    const base = quadrants(W, H);
    // Where a stored pixel shows, for each orientation (EXIF 2.32, tag 0x0112).
    const shown: Record<number, (x: number, y: number, w: number, h: number) => [number, number]> = {
      1: (x, y) => [x, y],
      2: (x, y, w) => [w - 1 - x, y],
      3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
      4: (x, y, _w, h) => [x, h - 1 - y],
      5: (x, y) => [y, x],
      6: (x, y, _w, h) => [h - 1 - y, x],
      7: (x, y, w, h) => [h - 1 - y, w - 1 - x],
      8: (x, y, w) => [y, w - 1 - x],
    };
    const inputs = [];
    for (let orientation = 1; orientation <= 8; orientation++) {
      const turned = orientation >= 5;
      const [w, h] = turned ? [H, W] : [W, H];
      const stored = Buffer.alloc(w * h * 3);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const [dx, dy] = shown[orientation]!(x, y, w, h);
          base.copy(stored, (y * w + x) * 3, (dy * W + dx) * 3, (dy * W + dx) * 3 + 3);
        }
      const file = join(dir, `orientation-${orientation}.jpg`);
      await sharp(stored, { raw: { width: w, height: h, channels: 3 } })
        .withMetadata({ orientation })
        .jpeg({ quality: 95 })
        .toFile(file);
      inputs.push({ name: `o${orientation}`, source: file });
    }
    const manifest = ok((await job(inputs, [{ name: 'out', width: 200, height: 150, format: 'png' }])).outcome);
    for (const image of manifest.images) {
      expect(manifest.inputs.find((i) => i.name === image.input)!.facts).toMatchObject({ width: W, height: H });
      const [r, g, b] = await meanColour(image.uri, { left: 5, top: 5, width: 80, height: 60 });
      expect(`${image.input}: ${r! > 180 && g! < 80 && b! < 80}`).toBe(`${image.input}: true`);
      const [, g2] = await meanColour(image.uri, { left: 115, top: 5, width: 80, height: 60 });
      expect(`${image.input} green top-right: ${g! < 80 && g2! > 180}`).toBe(`${image.input} green top-right: true`);
    }
  });

  it('drops EXIF and GPS by default, and keeps them when asked', async () => {
    expect((await sharp(join(dir, 'gps.jpg')).metadata()).exif).toBeDefined();
    const output = [{ name: 'o', width: 100, height: 75, format: 'jpeg' as const }];
    const stripped = ok((await job([{ name: 'g', source: join(dir, 'gps.jpg') }], output)).outcome);
    const meta = await sharp(stripped.images[0]!.uri).metadata();
    expect(meta.exif).toBeUndefined();
    expect((await readFile(stripped.images[0]!.uri)).includes(Buffer.from('GPS'))).toBe(false);
    const kept = ok((await job([{ name: 'g', source: join(dir, 'gps.jpg') }], output, { keepMetadata: true })).outcome);
    expect((await sharp(kept.images[0]!.uri).metadata()).exif).toBeDefined();
  });

  it('orders file sizes by quality for JPEG and WebP', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const outputs = [30, 60, 90].map((quality) => ({
        name: `q${quality}`,
        width: 1200,
        height: 900,
        format,
        quality,
      }));
      const manifest = ok((await job([{ name: 'detail', source: join(dir, 'detail.jpg') }], outputs)).outcome);
      const sizes = manifest.images.map((i) => i.bytes);
      expect(sizes[0]).toBeLessThan(sizes[1]!);
      expect(sizes[1]).toBeLessThan(sizes[2]!);
    }
  });

  it('fits: contain pads with the background, inside never enlarges; crop box and rotation apply upright', async () => {
    const manifest = ok(
      (
        await job(
          [{ name: 'p', source: join(dir, 'photo.jpg') }],
          [
            { name: 'contain', width: 400, height: 400, format: 'png', fit: 'contain' },
            { name: 'inside', width: 2000, height: 2000, format: 'png', fit: 'inside' },
          ],
          { edits: { background: '#000000', rotate: 90, cropBox: { left: 0, top: 0, width: 150, height: 200 } } },
        )
      ).outcome,
    );
    const [contain, inside] = manifest.images;
    // Turned a quarter clockwise, the blue half comes to the left: the box holds blue only, never enlarged.
    expect([inside!.width, inside!.height]).toEqual([150, 200]);
    const [r, , b] = await meanColour(inside!.uri, { left: 50, top: 50, width: 50, height: 100 });
    expect([r! < 60, b! > 180]).toEqual([true, true]);
    const [r0, g0, b0] = await meanColour(contain!.uri, { left: 0, top: 180, width: 20, height: 40 });
    expect(r0! + g0! + b0!).toBeLessThan(30);
  });
});

describe('bad images', () => {
  it.each([
    [
      'a text file named .jpg',
      'notes.jpg',
      () => Buffer.from('just some text, not a picture'),
      'CUTLINE_IMAGE_NOT_IMAGE',
    ],
    [
      'a truncated JPEG',
      'cut.jpg',
      async () => (await readFile(join(dir, 'big.jpg'))).subarray(0, 20_000),
      'CUTLINE_IMAGE_CORRUPT',
    ],
    ['a 50,000 × 50,000 PNG bomb', 'bomb.png', pngBomb, 'CUTLINE_IMAGE_TOO_LARGE'],
    [
      'an SVG that names another file',
      'logo.svg',
      () =>
        Buffer.from(
          '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/passwd"/><script>alert(1)</script></svg>',
        ),
      'CUTLINE_IMAGE_FORMAT_NOT_ALLOWED',
    ],
  ])('%s fails with its code, exit 2, and leaves nothing', async (_label, file, make, code) => {
    const path = join(dir, file);
    await writeFile(path, await make());
    const { outcome, outDir } = await job(
      [
        { name: 'good', source: join(dir, 'photo.jpg') },
        { name: 'bad', source: path },
      ],
      [{ name: 'o', width: 100, height: 100, format: 'jpeg' }],
    );
    expect(outcome.ok ? 'ok' : outcome.error.code).toBe(code);
    if (!outcome.ok) expect(outcome.error.exitCode).toBe(2);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('refuses an animated GIF of thousands of frames from its header', async () => {
    const frames = 2000;
    const path = join(dir, 'flipbook.gif');
    // Each frame its own grey (identical frames would be merged into one).
    const pixels = Buffer.alloc(8 * 8 * frames * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.floor(i / (8 * 8 * 3)) * 37) % 256;
    await sharp(pixels, { raw: { width: 8, height: 8 * frames, channels: 3, pageHeight: 8 } })
      .gif()
      .toFile(path);
    expect((await sharp(path).metadata()).pages).toBeGreaterThan(LIMITS.maxFrames * 2);
    const { outcome } = await job([{ name: 'g', source: path }], [{ name: 'o', width: 8, height: 8, format: 'png' }]);
    expect(outcome.ok ? 'ok' : outcome.error.code).toBe('CUTLINE_IMAGE_TOO_MANY_FRAMES');
  });
});

describe('cutline-render with an image spec', () => {
  const BIN = join(import.meta.dirname, '../../render-job/bin/cutline-render.js');
  const cli = (spec: object, log: string) => {
    const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(spec));
    return spawnSync(process.execPath, [BIN, '--spec', path, '--termination-log', log], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
  };
  const spec = (source: string, destination: string) => ({
    version: 1,
    kind: 'image',
    id: 'cli-images',
    inputs: [{ name: 'p', source }],
    outputs: [{ name: 'thumb', width: 1280, height: 720, format: 'webp' }],
    limits: LIMITS,
    output: { destination },
  });

  it('runs as its own process: exit 0 with the files, exit 2 and the code in the termination log', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cutline-images-cli-'));
    const done = cli(spec(join(dir, 'photo.jpg'), out), join(out, '..', 'ok.log'));
    expect(done.status, done.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'p-thumb.webp']);
    const bad = await mkdtemp(join(tmpdir(), 'cutline-images-cli-'));
    const log = join(bad, '..', `bad-${Date.now()}.log`);
    await writeFile(join(dir, 'not-a-photo.jpg'), 'plain text');
    const refused = cli(spec(join(dir, 'not-a-photo.jpg'), bad), log);
    expect(refused.status).toBe(2);
    expect(JSON.parse(await readFile(log, 'utf8'))).toMatchObject({ code: 'CUTLINE_IMAGE_NOT_IMAGE' });
  });
});
