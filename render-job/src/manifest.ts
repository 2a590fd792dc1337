/** The output manifest: what a render produced, written last to the destination as manifest.json. */
import type { ManifestReframe } from './media/reframe/reframe-stage.js';
import type { Aspect } from './spec.js';

export interface ManifestVideo {
  aspect: Aspect;
  name: string;
  uri: string;
  width: number;
  height: number;
  bytes: number;
  durationSeconds: number;
}

export interface ManifestFile {
  name: string;
  uri: string;
  bytes: number;
}

export interface RenderManifest {
  version: 1;
  renderId: string;
  createdAt: string;
  durationSeconds: number;
  voice: {
    id: string;
    engine: string;
    language: string;
    /** With `voice: auto`: the language and writing system found in the script (mixed: of several). */
    detected?: { language: string; writingSystem: string; mixed: boolean };
  };
  captionStyle: string;
  segments: number;
  videos: ManifestVideo[];
  thumbnail?: ManifestFile;
  sidecars: { srt?: ManifestFile; vtt?: ManifestFile; words?: ManifestFile };
  source: { width: number; height: number; durationSeconds: number; codec: string; rotation: number };
  /** With `fit: smart`: the analysis, and each reframed format's shots and camera path. */
  reframe?: ManifestReframe;
  timings: {
    fetchSeconds: number;
    synthesisSeconds: number;
    encodeSeconds: number;
    publishSeconds: number;
    totalSeconds: number;
  };
  /** Seconds of output per second of wall time. */
  realtimeFactor: number;
}
