/**
 * The RenderJob custom resource (crds/renderjobs.cutline.dev.yaml) as TypeScript, and the names
 * and labels shared by the launcher that creates RenderJobs and the operator that runs them.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { PlanId } from '../domain.js';

export const GROUP = 'cutline.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'renderjobs';
export const KIND = 'RenderJob';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Field manager for server-side apply: the owner of every field the operator writes. */
export const FIELD_MANAGER = 'cutline-operator';
/** Held while the render's database record may still need its final state. */
export const FINALIZER = 'cutline.dev/render-record';
/** The render's container: named in the pod failure policy and by the termination message. */
export const CONTAINER = 'render';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  renderJob: 'cutline.dev/render-job',
  render: 'cutline.dev/render',
  organization: 'cutline.dev/organization',
  tier: 'cutline.dev/tier',
} as const;
export const RENDER_POD_APP = 'cutline-render';

export type RenderJobPhase = 'Pending' | 'Running' | 'Requeued' | 'Succeeded' | 'Failed' | 'Canceled';
export const TERMINAL_PHASES: readonly RenderJobPhase[] = ['Succeeded', 'Failed', 'Canceled'];

export interface RenderJobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface RenderJobSpec {
  tier: PlanId;
  renderId?: string;
  organizationId?: string;
  canceled?: boolean;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  /** The render spec as cutline-render --spec reads it. */
  render: Record<string, unknown>;
}

export interface RenderJobStatus {
  phase?: RenderJobPhase;
  jobName?: string;
  failedPods?: number;
  disruptions?: number;
  errorCode?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
  observedGeneration?: number;
  conditions?: RenderJobCondition[];
}

export interface RenderJob {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: RenderJobSpec;
  status?: RenderJobStatus;
}

/**
 * Deterministic per admission: a dispatch retried after a crash applies the same object and can
 * never start a second Job; a later attempt (a retry of a failed render) gets its own.
 */
export function renderJobName(renderId: string, attempt: number): string {
  return `render-${renderId}-${attempt}`;
}

export function isTerminal(phase: RenderJobPhase | undefined): boolean {
  return phase !== undefined && TERMINAL_PHASES.includes(phase);
}
