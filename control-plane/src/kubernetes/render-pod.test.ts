import { describe, expect, it } from 'vitest';
import { planTable } from '../plans.js';
import { buildRenderJob, type RenderPodOptions } from './render-pod.js';
import type { RenderJob } from './render-job-resource.js';

const OPTIONS: RenderPodOptions = {
  image: 'cutline/render-job:test',
  serviceAccount: 'cutline-render',
  store: { endpoint: 'http://minio:9000', accessKey: 'a', secretKey: 'b', region: 'us-east-1' },
  events: undefined,
  ttlSecondsAfterFinished: 60,
  defaultBackoffLimit: 1,
};

const RENDER_JOB = {
  apiVersion: 'cutline.dev/v1alpha1',
  kind: 'RenderJob',
  metadata: { name: 'render-1', namespace: 'cutline', uid: 'uid-1' },
  spec: { renderId: '00000000-0000-4000-8000-000000000001', tier: 'pro', spec: {} },
} as unknown as RenderJob;

describe('render pods and the voices volume', () => {
  it('mount nothing but the image’s voices by default', () => {
    const pod = buildRenderJob(RENDER_JOB, planTable(), OPTIONS).spec!.template.spec!;
    expect(pod.volumes?.map((v) => v.name)).not.toContain('voices');
    expect(pod.containers[0]!.env?.find((e) => e.name === 'CUTLINE_VOICES_DIR')).toBeUndefined();
  });

  it('mount a voices claim read-only and search it before the image’s voices', () => {
    const pod = buildRenderJob(RENDER_JOB, planTable(), { ...OPTIONS, voicesClaim: 'cutline-voices' }).spec!.template
      .spec!;
    expect(pod.volumes).toContainEqual({
      name: 'voices',
      persistentVolumeClaim: { claimName: 'cutline-voices', readOnly: true },
    });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'voices', mountPath: '/voices', readOnly: true });
    expect(pod.containers[0]!.env).toContainEqual({
      name: 'CUTLINE_VOICES_DIR',
      value: '/voices:/usr/share/cutline/voices',
    });
  });
});
