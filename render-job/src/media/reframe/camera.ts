/**
 * The virtual camera of one shot: where the crop window's centre is at every frame, along the
 * one axis the crop can move on. It holds still while the subject stays inside a dead zone
 * around the centre, then follows at a bounded speed and acceleration, braking so that it
 * stops at the dead zone's edge instead of overshooting and coming back. A shot starts with
 * the camera already on its subject, so a cut in the video is a cut of the camera.
 *
 * Positions are fractions of the axis (0..1, the window's centre); speeds are in axis
 * fractions per second, so a pan feels the same in every output format.
 */

export interface CameraLimits {
  /** Half-width of the dead zone, as a fraction of the window. */
  deadZone: number;
  /** Axis fractions per second, and per second squared. */
  maxSpeed: number;
  maxAcceleration: number;
  /** How fast the camera closes the distance beyond the dead zone, per second. */
  gain: number;
}

export const DEFAULT_CAMERA_LIMITS: CameraLimits = {
  deadZone: 0.1,
  maxSpeed: 0.4,
  maxAcceleration: 1.2,
  gain: 3,
};

export interface TargetSample {
  /** Frame within the whole video. */
  frame: number;
  /** Where the subject is (window centre that frames it best), 0..1. */
  centre: number;
}

/**
 * The camera path of the shot [start, end): one centre a frame. `targets` are the shot's
 * samples in frame order; `window` is the window's size as a fraction of the axis.
 */
export function cameraPath(
  targets: readonly TargetSample[],
  start: number,
  end: number,
  window: number,
  fps: number,
  limits: CameraLimits = DEFAULT_CAMERA_LIMITS,
): Float32Array {
  const path = new Float32Array(Math.max(0, end - start));
  const low = window / 2;
  const high = 1 - window / 2;
  const clamp = (v: number) => Math.min(high, Math.max(low, v));
  if (path.length === 0) return path;
  if (targets.length === 0 || high <= low) return path.fill(clamp(0.5));

  const target = targetAt(targets);
  const deadZone = limits.deadZone * window;
  const dt = 1 / fps;
  const maxStep = limits.maxAcceleration * dt;
  // The subject's place over the shot's first samples: the camera is there from the first frame.
  let position = clamp(medianOf(targets.slice(0, 3).map((t) => t.centre)));
  let velocity = 0;
  for (let f = start; f < end; f++) {
    path[f - start] = position;
    const error = clamp(target(f)) - position;
    const beyond = Math.abs(error) - deadZone;
    let desired = 0;
    if (beyond > 0) {
      const brake = Math.sqrt(2 * limits.maxAcceleration * beyond);
      desired = Math.sign(error) * Math.min(limits.maxSpeed, brake, limits.gain * beyond);
    }
    velocity += Math.max(-maxStep, Math.min(maxStep, desired - velocity));
    const next = position + velocity * dt;
    position = clamp(next);
    if (position !== next) velocity = 0;
  }
  return path;
}

/** The target at any frame: linear between samples, held before the first and after the last. */
function targetAt(targets: readonly TargetSample[]): (frame: number) => number {
  let k = 0;
  return (frame) => {
    while (k + 1 < targets.length && targets[k + 1]!.frame <= frame) k++;
    const a = targets[k]!;
    const b = targets[k + 1];
    if (!b || frame <= a.frame) return a.centre;
    const u = (frame - a.frame) / (b.frame - a.frame);
    return a.centre + (b.centre - a.centre) * Math.min(1, u);
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0.5;
}
