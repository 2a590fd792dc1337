/** What an image job published (manifest.json), and what its succeeded event carries. */
import type { ImageFacts } from './inspect.js';

export interface ImageManifest {
  version: 1;
  kind: 'image';
  jobId: string;
  createdAt: string;
  /** Each picture, and the faces its smart crops were centred on (when any output cropped smartly). */
  inputs: Array<{ name: string; facts: ImageFacts; faces?: number }>;
  images: Array<{
    input: string;
    output: string;
    name: string;
    uri: string;
    format: string;
    width: number;
    height: number;
    bytes: number;
  }>;
  seconds: number;
}

/** An image job's manifest (a render's has no kind). */
export function isImageManifest(manifest: object): manifest is ImageManifest {
  return (manifest as { kind?: unknown }).kind === 'image';
}
