/**
 * Where the smart fit puts the crop on a single picture (the caption previews' poster): the
 * same saliency, faces and window as a render's first frame, without motion. A picture whose
 * subjects cannot share the window gets the blurred-background fit, as its shot would.
 */
import type { PlanCamera } from '../filtergraph.js';
import type { Aspect } from '../../spec.js';
import { weighFaces } from './face-sampler.js';
import type { Face } from './faces.js';
import { bestWindow, saliencyProfiles, type GreyFrame } from './frame-features.js';
import { cropWindow, MIN_COVERAGE, MIN_SHOT_SALIENCY, toOffset } from './reframe-plan.js';

export function stillFocus(frame: GreyFrame, aspect: Aspect, faces: Face[] = []): PlanCamera | undefined {
  const crop = cropWindow(frame.width / Math.max(1, frame.height), aspect);
  if (!crop) return undefined;
  const profiles = saliencyProfiles(frame);
  if (faces.length) weighFaces([{ frame: 0, profiles }], [{ frame: 0, faces }], 1, frame.width, frame.height);
  const fit = bestWindow(profiles[crop.axis], crop.window);
  if (fit.mass < MIN_SHOT_SALIENCY) return { axis: crop.axis, initialOffset: 0.5, blurRanges: [] };
  return {
    axis: crop.axis,
    initialOffset: toOffset(fit.centre, crop.window),
    blurRanges: fit.coverage < MIN_COVERAGE ? [[0, 1]] : [],
  };
}

/** A yuv420p frame (as ffmpeg's rawvideo writes it) of width × height, as the saliency reads it. */
export function yuv420pFrame(bytes: Uint8Array, width: number, height: number): GreyFrame {
  const size = width * height;
  const quarter = size / 4;
  return {
    width,
    height,
    data: bytes.subarray(0, size),
    chroma: { u: bytes.subarray(size, size + quarter), v: bytes.subarray(size + quarter, size + 2 * quarter) },
  };
}
