import { describe, expect, it } from 'vitest';
import { cameraPath, DEFAULT_CAMERA_LIMITS, type TargetSample } from './camera.js';

const FPS = 30;
const WINDOW = 0.316; // 9:16 out of 16:9
const limits = DEFAULT_CAMERA_LIMITS;

function samples(frames: number, at: (frame: number) => number, every = 6): TargetSample[] {
  const out: TargetSample[] = [];
  for (let frame = 0; frame < frames; frame += every) out.push({ frame, centre: at(frame) });
  return out;
}

function speeds(path: Float32Array): number[] {
  return Array.from(path.slice(1), (p, i) => (p - path[i]!) * FPS);
}

/** Frames where the camera starts moving the other way than it last moved. */
function reversals(path: Float32Array): number[] {
  let direction = 0;
  const found: number[] = [];
  speeds(path).forEach((v, i) => {
    if (Math.abs(v) < 1e-6) return;
    const sign = Math.sign(v);
    if (direction !== 0 && sign !== direction) found.push(i);
    direction = sign;
  });
  return found;
}

describe('cameraPath', () => {
  it('starts on the subject and holds still while it stays in the dead zone', () => {
    // The subject wobbles around 0.3 by less than half the dead zone.
    const targets = samples(300, (f) => 0.3 + 0.012 * Math.sin(f / 7));
    const path = cameraPath(targets, 0, 300, WINDOW, FPS);
    expect(path[0]).toBeCloseTo(targets[0]!.centre, 1);
    expect(Math.max(...path) - Math.min(...path)).toBeLessThan(1e-6);
  });

  it('follows a subject crossing the frame within the speed and acceleration limits', () => {
    const targets = samples(180, (f) => 0.1 + (0.8 * f) / 180);
    const path = cameraPath(targets, 0, 180, WINDOW, FPS);
    const v = speeds(path);
    expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(limits.maxSpeed + 1e-6);
    const accelerations = v.slice(1).map((x, i) => Math.abs(x - v[i]!) * FPS);
    expect(Math.max(...accelerations)).toBeLessThanOrEqual(limits.maxAcceleration + 1e-3);
    // The subject stays inside the window the whole way.
    for (let f = 0; f < 180; f++) expect(Math.abs(0.1 + (0.8 * f) / 180 - path[f]!)).toBeLessThan(WINDOW / 2);
    expect(reversals(path)).toEqual([]);
  });

  it('stops at the edge of the dead zone instead of overshooting and coming back', () => {
    // The subject jumps and stays: one move, no back-and-forth.
    const targets = samples(240, (f) => (f < 30 ? 0.3 : 0.7));
    const path = cameraPath(targets, 0, 240, WINDOW, FPS);
    expect(reversals(path)).toEqual([]);
    expect(Math.abs(path[239]! - 0.7)).toBeLessThanOrEqual(limits.deadZone * WINDOW + 1e-6);
  });

  it('reverses only when the subject is beyond the dead zone on the other side', () => {
    const targets = samples(300, (f) => (f < 120 ? 0.2 + f * 0.004 : 0.68 - (f - 120) * 0.003));
    const path = cameraPath(targets, 0, 300, WINDOW, FPS);
    const at = (f: number) => {
      const k = targets.findLastIndex((t) => t.frame <= f);
      const a = targets[k]!;
      const b = targets[k + 1] ?? a;
      return b === a ? a.centre : a.centre + ((b.centre - a.centre) * (f - a.frame)) / (b.frame - a.frame);
    };
    const found = reversals(path);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      const direction = Math.sign(path[f + 1]! - path[f]!);
      expect((at(f) - path[f]!) * direction).toBeGreaterThan(limits.deadZone * WINDOW);
    }
  });

  it('keeps the window inside the frame and gives the centre without targets', () => {
    const edge = cameraPath(
      samples(60, () => 0.99),
      0,
      60,
      WINDOW,
      FPS,
    );
    for (const p of edge) expect(p).toBeLessThanOrEqual(1 - WINDOW / 2 + 1e-6);
    expect(Array.from(cameraPath([], 0, 10, WINDOW, FPS))).toEqual(new Array(10).fill(0.5));
    expect(cameraPath([], 5, 5, WINDOW, FPS).length).toBe(0);
  });
});
