/**
 * Reads a render's Job and pods into the RenderJob's status: which phase it is in, how many
 * pods failed or were disrupted, and — when it failed — the stable error code the render wrote
 * to its termination message. Pure: the operator calls it on every change it sees.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { CONTAINER, type RenderJobPhase } from './render-job-resource.js';

export interface Observation {
  phase: RenderJobPhase;
  failedPods: number;
  disruptions: number;
  errorCode?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
}

/** What cutline-render writes to /dev/termination-log when it fails. */
interface TerminationMessage {
  code?: string;
  message?: string;
}

function jobCondition(job: V1Job | undefined, type: string) {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

export function isDisrupted(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True') ?? false;
}

function terminated(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((s) => s.name === CONTAINER)?.state?.terminated;
}

function parseTermination(text: string | undefined): TerminationMessage {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as TerminationMessage;
    return typeof parsed === 'object' && parsed ? parsed : { message: text };
  } catch {
    // FallbackToLogsOnError: the tail of the log, not our JSON.
    return { message: text.slice(-1000) };
  }
}

function time(value: Date | string | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.toISOString();
}

/** The newest pod that failed for a reason of its own (not preempted or evicted). */
function lastFailure(pods: V1Pod[]): V1Pod | undefined {
  return pods
    .filter((p) => p.status?.phase === 'Failed' && !isDisrupted(p))
    .sort((a, b) =>
      String(time(terminated(a)?.finishedAt) ?? '').localeCompare(String(time(terminated(b)?.finishedAt) ?? '')),
    )
    .at(-1);
}

/**
 * `knownDisruptions`: disruptions counted before (a preempted pod is deleted, so the list may no
 * longer show it); the count never goes down.
 */
export function observe(job: V1Job | undefined, pods: V1Pod[], canceled: boolean, knownDisruptions = 0): Observation {
  const disruptions = Math.max(knownDisruptions, pods.filter(isDisrupted).length);
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed' && !isDisrupted(p)).length;
  const base = {
    failedPods,
    disruptions,
    ...(job?.status?.startTime ? { startTime: time(job.status.startTime)! } : {}),
  };
  if (canceled) return { ...base, phase: 'Canceled', message: 'Canceled; the Job was deleted.' };
  // Same message as a Job waiting for a node: one status write fewer per render.
  if (!job) return { ...base, phase: 'Pending', message: 'Waiting for a node.' };
  if (jobCondition(job, 'Complete')) {
    return {
      ...base,
      phase: 'Succeeded',
      message: 'The render finished.',
      ...(job.status?.completionTime ? { completionTime: time(job.status.completionTime)! } : {}),
    };
  }
  const failed = jobCondition(job, 'Failed') ?? jobCondition(job, 'FailureTarget');
  if (failed) {
    const finishedAt = time(failed.lastTransitionTime);
    const end = finishedAt ? { completionTime: finishedAt } : {};
    if (failed.reason === 'DeadlineExceeded') {
      return {
        ...base,
        ...end,
        phase: 'Failed',
        errorCode: 'CUTLINE_DEADLINE_EXCEEDED',
        message: `The render ran past its deadline of ${job.spec?.activeDeadlineSeconds ?? '?'} s.`,
      };
    }
    const pod = lastFailure(pods);
    const report = parseTermination(pod ? terminated(pod)?.message : undefined);
    const exitCode = pod ? terminated(pod)?.exitCode : undefined;
    const badInput = failed.reason === 'PodFailurePolicy' || exitCode === 2;
    return {
      ...base,
      ...end,
      phase: 'Failed',
      errorCode: report.code ?? (badInput ? 'CUTLINE_INVALID_SPEC' : 'CUTLINE_RENDER_FAILED'),
      message:
        report.message ??
        (badInput
          ? 'The render rejected its input.'
          : `The render failed ${failedPods} time(s) (last exit code ${exitCode ?? 'unknown'}).`),
    };
  }
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  if (live.some((p) => p.status?.phase === 'Running')) return { ...base, phase: 'Running', message: 'Rendering.' };
  if (disruptions > 0)
    return {
      ...base,
      phase: 'Requeued',
      message: `Preempted or evicted ${disruptions} time(s); waiting for room to run again.`,
    };
  return { ...base, phase: 'Pending', message: 'Waiting for a node.' };
}
