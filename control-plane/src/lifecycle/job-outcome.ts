/**
 * What a finished job's manifest means for its record: the output files to keep, the seconds
 * it rendered (for the quota and history), and the timing figures of a render's metrics.
 * One reading for renders and image jobs, whether the manifest came by event or from the store.
 */
import { isImageManifest, type ImageManifest, type RenderManifest } from '@cutline/render-job';
import type { OutputFile } from '../repositories/render-states-repository.js';
import { outputPrefix } from '../services/render-spec-builder.js';

export interface JobOutcome {
  outputs: OutputFile[];
  durationSeconds: number;
  /** A render's encode time and speed; image jobs have none. */
  timing?: { totalSeconds: number; realtimeFactor: number };
}

export function outcomeOf(
  organizationId: string,
  renderId: string,
  manifest: RenderManifest | ImageManifest,
): JobOutcome {
  const prefix = outputPrefix(organizationId, renderId);
  if (isImageManifest(manifest))
    return {
      outputs: manifest.images.map((i) => ({
        kind: 'image',
        name: i.name,
        objectKey: prefix + i.name,
        bytes: i.bytes,
        width: i.width,
        height: i.height,
      })),
      durationSeconds: 0,
    };
  return {
    outputs: renderOutputs(prefix, manifest),
    durationSeconds: manifest.durationSeconds,
    timing: { totalSeconds: manifest.timings.totalSeconds, realtimeFactor: manifest.realtimeFactor },
  };
}

function renderOutputs(prefix: string, manifest: RenderManifest): OutputFile[] {
  const files: OutputFile[] = manifest.videos.map((v) => ({
    kind: 'video',
    name: v.name,
    aspect: v.aspect,
    objectKey: prefix + v.name,
    bytes: v.bytes,
    width: v.width,
    height: v.height,
  }));
  if (manifest.thumbnail)
    files.push({
      kind: 'thumbnail',
      name: manifest.thumbnail.name,
      objectKey: prefix + manifest.thumbnail.name,
      bytes: manifest.thumbnail.bytes,
    });
  const { srt, vtt, words } = manifest.sidecars;
  if (srt) files.push({ kind: 'srt', name: srt.name, objectKey: prefix + srt.name, bytes: srt.bytes });
  if (vtt) files.push({ kind: 'vtt', name: vtt.name, objectKey: prefix + vtt.name, bytes: vtt.bytes });
  if (words) files.push({ kind: 'words', name: words.name, objectKey: prefix + words.name, bytes: words.bytes });
  return files;
}
