/**
 * Hard cuts from the histogram distance of each frame to the one before it. A cut is a
 * distance well above the absolute floor and above what the frames around it show, so a
 * fast pan or a flicker across a whole shot is not taken for one; shots shorter than
 * MIN_SHOT_SECONDS (a flash) are merged into the one before.
 */

/** Histogram distance (0..1) a change must reach to be a cut at all. */
export const CUT_THRESHOLD = 0.3;
const LOCAL_FACTOR = 3;
const NEIGHBOURS = 5;
const MIN_SHOT_SECONDS = 0.4;

export interface Shot {
  /** First frame, and the frame after the last. */
  start: number;
  end: number;
}

/** Frames (indices into `distances`, where distances[n] compares frame n with n−1) that start a new shot. */
export function detectCuts(distances: ArrayLike<number>, fps: number): number[] {
  const cuts: number[] = [];
  const minGap = Math.max(1, Math.round(MIN_SHOT_SECONDS * fps));
  let last = 0;
  for (let n = 1; n < distances.length; n++) {
    const d = distances[n]!;
    if (d < CUT_THRESHOLD || n - last < minGap) continue;
    if (d < LOCAL_FACTOR * localLevel(distances, n) + 0.02) continue;
    cuts.push(n);
    last = n;
  }
  return cuts;
}

/** The median distance of the frames around `n`, not counting `n`. */
function localLevel(distances: ArrayLike<number>, n: number): number {
  const around: number[] = [];
  for (let k = Math.max(1, n - NEIGHBOURS); k <= Math.min(distances.length - 1, n + NEIGHBOURS); k++)
    if (k !== n) around.push(distances[k]!);
  if (around.length === 0) return 0;
  around.sort((a, b) => a - b);
  return around[around.length >> 1]!;
}

/** The shots of `frames` frames cut at `cuts`. */
export function shotsOf(frames: number, cuts: readonly number[]): Shot[] {
  const shots: Shot[] = [];
  let start = 0;
  for (const cut of cuts) {
    if (cut <= start || cut >= frames) continue;
    shots.push({ start, end: cut });
    start = cut;
  }
  if (frames > start) shots.push({ start, end: frames });
  return shots;
}
