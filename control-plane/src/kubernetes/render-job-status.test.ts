import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { observe } from './render-job-status.js';

const job = (conditions: Array<{ type: string; reason?: string }> = []): V1Job => ({
  spec: { activeDeadlineSeconds: 60, template: {} },
  status: {
    conditions: conditions.map((c) => ({ ...c, status: 'True', lastTransitionTime: new Date('2026-11-23T00:00:00Z') })),
  },
});
const pod = (
  phase: string,
  extra: { exitCode?: number; message?: string; disrupted?: boolean; deleting?: boolean } = {},
): V1Pod => ({
  metadata: {
    name: `p-${Math.random()}`,
    uid: String(Math.random()),
    ...(extra.deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status: {
    phase,
    conditions: extra.disrupted ? [{ type: 'DisruptionTarget', status: 'True' }] : [],
    containerStatuses:
      extra.exitCode !== undefined
        ? [
            {
              name: 'render',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: extra.exitCode, ...(extra.message ? { message: extra.message } : {}) } },
            },
          ]
        : [],
  },
});

describe('observe', () => {
  it('takes the stable error code from the termination message of a bad-input failure', () => {
    const o = observe(
      job([{ type: 'Failed', reason: 'PodFailurePolicy' }]),
      [pod('Failed', { exitCode: 2, message: '{"code":"CUTLINE_VIDEO_UNDECODABLE","message":"No video."}' })],
      false,
    );
    expect(o).toMatchObject({
      phase: 'Failed',
      errorCode: 'CUTLINE_VIDEO_UNDECODABLE',
      message: 'No video.',
      failedPods: 1,
    });
  });

  it('names a deadline as such, and falls back to a generic code when the pod left no report', () => {
    expect(observe(job([{ type: 'Failed', reason: 'DeadlineExceeded' }]), [], false).errorCode).toBe(
      'CUTLINE_DEADLINE_EXCEEDED',
    );
    expect(
      observe(
        job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]),
        [pod('Failed', { exitCode: 1, message: 'panic: out of memory' })],
        false,
      ),
    ).toMatchObject({ errorCode: 'CUTLINE_RENDER_FAILED', message: 'panic: out of memory' });
  });

  it('treats a preempted pod as a disruption, not a failure, and remembers it after the pod is gone', () => {
    const preempted = observe(job(), [pod('Failed', { exitCode: 137, disrupted: true }), pod('Pending')], false);
    expect(preempted).toMatchObject({ phase: 'Requeued', disruptions: 1, failedPods: 0 });
    expect(observe(job(), [pod('Running')], false, 1)).toMatchObject({ phase: 'Running', disruptions: 1 });
    expect(observe(job(), [pod('Running', { deleting: true, disrupted: true })], false)).toMatchObject({
      phase: 'Requeued',
    });
  });

  it('reports success, cancel and waiting', () => {
    expect(observe(job([{ type: 'Complete' }]), [pod('Succeeded', { exitCode: 0 })], false).phase).toBe('Succeeded');
    expect(observe(job(), [pod('Running')], true).phase).toBe('Canceled');
    expect(observe(undefined, [], false).phase).toBe('Pending');
    expect(observe(job(), [pod('Pending')], false).phase).toBe('Pending');
  });
});
