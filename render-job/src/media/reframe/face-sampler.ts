/**
 * Faces over an analysis: about once a second a sample frame goes to the face detector, which
 * works on onnxruntime's threads while ffmpeg goes on decoding. At most a few frames wait, so
 * a slow detector drops frames rather than holding them all in memory. Found faces then weigh
 * on the saliency of the samples around them: each face carries as much as the rest of its
 * frame, so a camera frames faces first, and two faces far apart cannot share a narrow window.
 */
import type { AnalysisSample } from './analyse-source.js';
import { rgbFromYuv420p, type Face, type FaceDetector } from './faces.js';
import type { GreyFrame } from './frame-features.js';

const MAX_WAITING = 4;
/** A face found at one frame stands for the samples this far (in seconds) either side. */
const REACH_SECONDS = 0.6;
/** The least a face weighs, so a face on a plain frame still counts. */
const MIN_FACE_SALIENCY = 60;

export interface FaceSummary {
  detector: 'mtcnn' | 'none';
  framesChecked: number;
  framesWithFaces: number;
}

export class FaceSampler {
  private work: Promise<void> = Promise.resolve();
  private waiting = 0;
  private checked = 0;
  readonly found: Array<{ frame: number; faces: Face[] }> = [];

  constructor(private readonly detector: Promise<FaceDetector | undefined>) {}

  offer(frame: number, picture: GreyFrame): void {
    if (!picture.chroma || this.waiting >= MAX_WAITING) return;
    const rgb = rgbFromYuv420p(picture.data, picture.chroma.u, picture.chroma.v, picture.width, picture.height);
    this.waiting++;
    this.work = this.work
      .then(async () => {
        const detector = await this.detector;
        if (!detector) return;
        const faces = await detector.detect(rgb);
        this.checked++;
        if (faces.length) this.found.push({ frame, faces });
      })
      .catch(() => undefined)
      .finally(() => this.waiting--);
  }

  /** Waits for the frames offered so far, and says what was found. */
  async done(): Promise<FaceSummary> {
    await this.work;
    const detector = await this.detector.catch(() => undefined);
    return {
      detector: detector ? 'mtcnn' : 'none',
      framesChecked: this.checked,
      framesWithFaces: this.found.length,
    };
  }
}

/** Adds each face's weight to the profiles of the samples within reach of the frame it was found in. */
export function weighFaces(
  samples: AnalysisSample[],
  found: FaceSampler['found'],
  fps: number,
  width: number,
  height: number,
): void {
  const reach = REACH_SECONDS * fps;
  for (const sample of samples) {
    let nearest: (typeof found)[number] | undefined;
    for (const f of found)
      if (
        Math.abs(f.frame - sample.frame) <= reach &&
        (!nearest || Math.abs(f.frame - sample.frame) < Math.abs(nearest.frame - sample.frame))
      )
        nearest = f;
    if (!nearest) continue;
    const { x, y } = sample.profiles;
    const weight = Math.max(
      MIN_FACE_SALIENCY,
      x.reduce((a, b) => a + b, 0),
    );
    for (const face of nearest.faces) {
      spread(x, face.x1, face.x2, width, weight);
      spread(y, face.y1, face.y2, height, weight);
    }
  }
}

/** Adds `weight` evenly over [from, to] of a profile `size` long (clipped to it). */
function spread(profile: Float32Array, from: number, to: number, size: number, weight: number): void {
  const a = Math.max(0, Math.floor(from));
  const b = Math.min(size - 1, Math.ceil(to));
  if (b < a) return;
  for (let i = a; i <= b; i++) profile[i]! += weight / (b - a + 1);
}
