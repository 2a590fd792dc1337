/**
 * Turns a render request into the render engine's RenderSpec, applying the plan: resolution
 * cap, narration limit, forced watermark. The spec is validated by the engine's own schema.
 */
import { RETENTION_TAG } from '../storage/object-store.js';
import { adoptRenderSpec, AUTO_VOICE, type RenderSpec } from '@cutline/render-job';
import type { Plan } from '../plans.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { RenderRequest } from './render-request.js';

export interface SpecInputs {
  renderId: string;
  organizationId: string;
  request: RenderRequest;
  videoKey: string;
  logoKey?: string | undefined;
  musicKey?: string | undefined;
  plan: Plan;
  traceparent?: string | undefined;
}

export function outputPrefix(organizationId: string, renderId: string): string {
  return `orgs/${organizationId}/renders/${renderId}/`;
}

export function buildRenderSpec(inputs: SpecInputs, store: ObjectStore): RenderSpec {
  const { request, plan } = inputs;
  const maxResolution = Math.min(request.maxResolution ?? plan.maxResolution, plan.maxResolution);
  return adoptRenderSpec({
    version: 1,
    id: inputs.renderId,
    ...(inputs.traceparent ? { traceparent: inputs.traceparent } : {}),
    video: {
      source: store.locationFor(inputs.videoKey),
      ...(request.extend ? { extend: request.extend } : {}),
      ...(request.trim ? { trim: request.trim } : {}),
    },
    script: { text: request.script },
    voice: {
      // The voice for the script's language unless the request names one.
      id: request.voice ?? AUTO_VOICE,
      ...(request.rate !== undefined ? { rate: request.rate } : {}),
      ...(request.pitch !== undefined ? { pitch: request.pitch } : {}),
    },
    captions: {
      enabled: request.captions?.enabled ?? true,
      ...(request.captionStyle ? { style: request.captionStyle } : {}),
      ...(request.captions?.position ? { position: request.captions.position } : {}),
      ...(request.captions?.maxWordsPerLine ? { maxWordsPerLine: request.captions.maxWordsPerLine } : {}),
    },
    formats: request.formats ?? ['9:16'],
    ...(request.fit ? { fit: request.fit } : {}),
    maxResolution: [480, 720, 1080, 1440, 2160].filter((r) => r <= maxResolution).at(-1) ?? 720,
    ...(inputs.logoKey
      ? {
          logo: {
            source: store.locationFor(inputs.logoKey),
            ...(request.logo?.position ? { position: request.logo.position } : {}),
          },
        }
      : {}),
    audio: {
      original: request.audio?.original ?? 'duck',
      ...(inputs.musicKey ? { music: { source: store.locationFor(inputs.musicKey) } } : {}),
    },
    ...(plan.watermark ? { watermark: { text: 'Made with Cutline' } } : {}),
    limits: {
      maxNarrationSeconds: plan.maxNarrationSeconds ?? 3_600,
      maxInputBytes: plan.maxUploadBytes,
      maxInputSeconds: plan.maxSourceSeconds,
    },
    output: {
      destination: store.locationFor(outputPrefix(inputs.organizationId, inputs.renderId)),
      // The bucket's expiry rules (configureExpiry) remove what the sweeper ever misses.
      tags: { [RETENTION_TAG]: String(plan.retentionDays) },
    },
  });
}
