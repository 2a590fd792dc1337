/**
 * What one small frame says about where its subject is: a grey-level histogram (for shot
 * changes) and saliency profiles along each axis, from motion against the previous sample,
 * visual detail, contrast, and colour that stands out from the frame's own. Pure functions over bytes, so they are unit tested.
 *
 * A profile is the per-column (or per-row) mean of a saliency map with its median removed:
 * a texture or a gradient that covers the whole frame adds the same to every column and
 * vanishes, while a subject leaves a bump where it stands.
 */

export interface GreyFrame {
  width: number;
  height: number;
  /** One byte a pixel, row after row. */
  data: Uint8Array;
  /** The chroma planes at half the size each way (yuv420p), when the frame has colour. */
  chroma?: { u: Uint8Array; v: Uint8Array };
}

export interface SaliencyProfiles {
  /** Saliency per column, and per row, in grey levels above the frame's baseline. */
  x: Float32Array;
  y: Float32Array;
}

export const HISTOGRAM_BINS = 32;
/** Below this change a pixel is taken as still: compression noise, not motion. */
const MOTION_FLOOR = 10;
/** Motion says most about a subject; detail and contrast find it when it stands still. */
const WEIGHTS = { motion: 2, detail: 1, contrast: 0.5, colour: 1 };
const BASELINE_SPREADS = 3;

/** The frame's grey-level histogram, normalised to sum to 1. */
export function histogram(frame: GreyFrame): Float32Array {
  const bins = new Float32Array(HISTOGRAM_BINS);
  const { data } = frame;
  const shift = 8 - Math.log2(HISTOGRAM_BINS);
  for (let i = 0; i < data.length; i++) bins[data[i]! >> shift]! += 1;
  const total = Math.max(1, data.length);
  for (let b = 0; b < HISTOGRAM_BINS; b++) bins[b]! /= total;
  return bins;
}

/** Half the L1 distance of two normalised histograms: 0 for the same picture, 1 for disjoint ones. */
export function histogramDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / 2;
}

/** The saliency profiles of `frame`; `previous` (a sample of the same shot) adds motion. */
export function saliencyProfiles(frame: GreyFrame, previous?: GreyFrame): SaliencyProfiles {
  const { width: W, height: H, data } = frame;
  const prev = previous && previous.width === W && previous.height === H ? previous.data : undefined;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i]!;
  mean /= Math.max(1, data.length);
  const colour = chromaDistinctness(frame);

  const maps = {
    motion: { x: new Float32Array(W), y: new Float32Array(H) },
    detail: { x: new Float32Array(W), y: new Float32Array(H) },
    contrast: { x: new Float32Array(W), y: new Float32Array(H) },
    colour: { x: new Float32Array(W), y: new Float32Array(H) },
  };
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const i = row + x;
      const g = data[i]!;
      const dx = x > 0 && x < W - 1 ? Math.abs(data[i + 1]! - data[i - 1]!) : 0;
      const dy = y > 0 && y < H - 1 ? Math.abs(data[i + W]! - data[i - W]!) : 0;
      const detail = dx + dy;
      const contrast = Math.abs(g - mean);
      maps.detail.x[x]! += detail;
      maps.detail.y[y]! += detail;
      maps.contrast.x[x]! += contrast;
      maps.contrast.y[y]! += contrast;
      if (colour) {
        const c = colour[(y >> 1) * (W >> 1) + (x >> 1)]!;
        maps.colour.x[x]! += c;
        maps.colour.y[y]! += c;
      }
      if (prev) {
        const motion = Math.max(0, Math.abs(g - prev[i]!) - MOTION_FLOOR);
        maps.motion.x[x]! += motion;
        maps.motion.y[y]! += motion;
      }
    }
  }
  const x = new Float32Array(W);
  const y = new Float32Array(H);
  for (const name of ['motion', 'detail', 'contrast', 'colour'] as const) {
    addResidual(x, maps[name].x, H, WEIGHTS[name]);
    addResidual(y, maps[name].y, W, WEIGHTS[name]);
  }
  return { x, y };
}

/** Per chroma sample: how far its colour is from the frame's mean colour. */
function chromaDistinctness(frame: GreyFrame): Float32Array | undefined {
  if (!frame.chroma) return undefined;
  const { u, v } = frame.chroma;
  let meanU = 0;
  let meanV = 0;
  for (let i = 0; i < u.length; i++) {
    meanU += u[i]!;
    meanV += v[i]!;
  }
  meanU /= Math.max(1, u.length);
  meanV /= Math.max(1, v.length);
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = Math.abs(u[i]! - meanU) + Math.abs(v[i]! - meanV);
  return out;
}

/**
 * Adds `weight` × what the profile has above its baseline (median plus a few median absolute
 * deviations, so the ripple of a texture is not taken for a subject), per pixel, to `into`.
 */
function addResidual(into: Float32Array, sums: Float32Array, across: number, weight: number): void {
  const middle = median(sums);
  const spread = median(Array.from(sums, (v) => Math.abs(v - middle)));
  const base = middle + BASELINE_SPREADS * spread;
  const scale = weight / Math.max(1, across);
  for (let i = 0; i < sums.length; i++) into[i]! += Math.max(0, sums[i]! - base) * scale;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface WindowFit {
  /** Centre of the window, as a fraction of the axis (0..1). */
  centre: number;
  /** Share of the profile's saliency inside the window (1 when there is none at all). */
  coverage: number;
  /** The profile's total saliency. */
  mass: number;
}

/**
 * The window of `fraction` of the axis that holds most saliency, and the saliency-weighted
 * centre inside it. Ties go to the window nearest the middle, so a flat profile gives the centre.
 */
export function bestWindow(profile: Float32Array, fraction: number): WindowFit {
  const n = profile.length;
  const size = Math.max(1, Math.min(n, Math.round(fraction * n)));
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + profile[i]!;
  const mass = prefix[n]!;
  if (mass <= 0 || size >= n) return { centre: 0.5, coverage: 1, mass };
  const middle = (n - size) / 2;
  let best = -1;
  let bestStart = 0;
  for (let start = 0; start + size <= n; start++) {
    const sum = prefix[start + size]! - prefix[start]!;
    const better =
      sum > best + 1e-9 || (Math.abs(sum - best) <= 1e-9 && Math.abs(start - middle) < Math.abs(bestStart - middle));
    if (better) {
      best = sum;
      bestStart = start;
    }
  }
  let weighted = 0;
  for (let i = bestStart; i < bestStart + size; i++) weighted += (i + 0.5) * profile[i]!;
  const centre = best > 0 ? weighted / best / n : (bestStart + size / 2) / n;
  return { centre, coverage: best / mass, mass };
}
