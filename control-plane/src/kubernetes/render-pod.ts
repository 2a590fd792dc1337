/**
 * What the operator creates for a RenderJob (DESIGN §7): a Secret with the render's spec and
 * credentials, and a batch/v1 Job whose single pod runs cutline-render under the restricted Pod
 * Security Standard. Pure functions: the same RenderJob always gives the same objects.
 */
import type { V1Job, V1Secret, V1EnvVar } from '@kubernetes/client-node';
import type { RenderEventTokens } from '../auth/render-event-tokens.js';
import { scopeRenderSpec } from '../launcher/render-credentials.js';
import type { PlanTable } from '../plans.js';
import type { S3Credentials } from '../storage/sigv4-presign.js';
import { API_VERSION, CONTAINER, KIND, LABELS, RENDER_POD_APP, type RenderJob } from './render-job-resource.js';

/** Where the image keeps the CLI (render-job/Dockerfile). */
export const RENDER_COMMAND = ['node', '/app/render-job/bin/cutline-render.js'];
export const SPEC_DIR = '/etc/cutline/spec';
export const SPEC_FILE = 'spec.json';
export const SCRATCH_DIR = '/scratch';
export const TERMINATION_LOG = '/dev/termination-log';
/** The image's non-root user. */
const RENDER_UID = 10001;

export interface RenderPodOptions {
  image: string;
  serviceAccount: string;
  /**
   * Signs each render's links to its own inputs and outputs (launcher/render-credentials.ts);
   * the pod itself gets no storage keys. `endpoint` is the store as pods reach it.
   */
  store: S3Credentials;
  /** Where pods report progress, with a token for their render only; none = they report nothing. */
  events: { url: string; tokens: RenderEventTokens } | undefined;
  /** How long a finished Job (and its pods) stays for inspection. */
  ttlSecondsAfterFinished: number;
  /** Retries of a transient failure when the RenderJob names none. */
  defaultBackoffLimit: number;
  /**
   * A PersistentVolumeClaim of extra Piper voices (two files each), mounted read-only and
   * searched before the voices the image carries; none = the image's only.
   */
  voicesClaim?: string | undefined;
}

/** Where render pods see the voices volume, and the image's own voices (render-job/Dockerfile). */
export const VOICES_MOUNT = '/voices';
const IMAGE_VOICES = '/usr/share/cutline/voices';

export function ownerReference(renderJob: RenderJob) {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: renderJob.metadata.name!,
    uid: renderJob.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function renderLabels(renderJob: RenderJob): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.name]: RENDER_POD_APP,
    [LABELS.managedBy]: 'cutline-operator',
    [LABELS.renderJob]: renderJob.metadata.name!,
    [LABELS.tier]: renderJob.spec.tier,
  };
  if (renderJob.spec.renderId) labels[LABELS.render] = renderJob.spec.renderId;
  if (renderJob.spec.organizationId) labels[LABELS.organization] = renderJob.spec.organizationId;
  return labels;
}

/** The render's id as its pod names it in events and the manifest. */
function podRenderId(renderJob: RenderJob): string {
  return String(renderJob.spec.renderId ?? renderJob.spec.render.id ?? renderJob.metadata.name);
}

/**
 * The spec the pod reads: the RenderJob's, named after the render (or the object) it is, with
 * links to its own objects in place of storage locations. Links are valid from the RenderJob's
 * creation for its deadline and a day's wait.
 */
export function podRenderSpec(
  renderJob: RenderJob,
  plans: PlanTable,
  options: Pick<RenderPodOptions, 'store'>,
): Record<string, unknown> {
  const deadline = renderJob.spec.activeDeadlineSeconds ?? plans[renderJob.spec.tier].renderPod.deadlineSeconds;
  const signedAt = new Date(renderJob.metadata.creationTimestamp ?? 0);
  return scopeRenderSpec(
    { ...renderJob.spec.render, id: podRenderId(renderJob) },
    { credentials: options.store, signedAt, validSeconds: deadline + 86_400 },
  );
}

function podEnvironment(renderJob: RenderJob, options: RenderPodOptions): Record<string, string> {
  if (!options.events) return {};
  return {
    CUTLINE_EVENTS_URL: options.events.url,
    CUTLINE_EVENTS_TOKEN: options.events.tokens.issue(podRenderId(renderJob)),
  };
}

export function buildRenderSecret(renderJob: RenderJob, plans: PlanTable, options: RenderPodOptions): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: renderJob.metadata.name!,
      namespace: renderJob.metadata.namespace!,
      labels: renderLabels(renderJob),
      ownerReferences: [ownerReference(renderJob)],
    },
    type: 'Opaque',
    immutable: true,
    stringData: {
      [SPEC_FILE]: JSON.stringify(podRenderSpec(renderJob, plans, options)),
      ...podEnvironment(renderJob, options),
    },
  };
}

export function buildRenderJob(renderJob: RenderJob, plans: PlanTable, options: RenderPodOptions): V1Job {
  const name = renderJob.metadata.name!;
  const plan = plans[renderJob.spec.tier];
  const labels = renderLabels(renderJob);
  // Each credential by reference, so the Secret's spec file never becomes an env variable.
  const env: V1EnvVar[] = Object.keys(podEnvironment(renderJob, options))
    .sort()
    .map((key) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } }));
  env.push(
    { name: 'CUTLINE_SCRATCH_DIR', value: SCRATCH_DIR },
    { name: 'TMPDIR', value: SCRATCH_DIR },
    { name: 'HOME', value: SCRATCH_DIR },
  );
  if (options.voicesClaim) env.push({ name: 'CUTLINE_VOICES_DIR', value: `${VOICES_MOUNT}:${IMAGE_VOICES}` });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: renderJob.metadata.namespace!, labels, ownerReferences: [ownerReference(renderJob)] },
    spec: {
      backoffLimit: renderJob.spec.backoffLimit ?? options.defaultBackoffLimit,
      activeDeadlineSeconds: renderJob.spec.activeDeadlineSeconds ?? plan.renderPod.deadlineSeconds,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      // A replacement pod starts only once the old one is gone (required with a failure policy).
      podReplacementPolicy: 'Failed',
      podFailurePolicy: {
        rules: [
          // Exit code 2 is bad input (DESIGN §6): another attempt would fail the same way.
          { action: 'FailJob', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [2] } },
          // Preempted by a higher tier or evicted from a draining node: not the render's fault.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          priorityClassName: plan.priorityClass,
          serviceAccountName: options.serviceAccount,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RENDER_UID,
            runAsGroup: RENDER_UID,
            fsGroup: RENDER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: CONTAINER,
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              command: RENDER_COMMAND,
              args: [
                '--spec',
                `${SPEC_DIR}/${SPEC_FILE}`,
                '--events',
                options.events ? 'http' : 'none',
                '--termination-log',
                TERMINATION_LOG,
              ],
              env,
              resources: {
                requests: { cpu: plan.renderPod.cpu, memory: plan.renderPod.memory },
                limits: { cpu: plan.renderPod.cpu, memory: plan.renderPod.memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              terminationMessagePath: TERMINATION_LOG,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [
                { name: 'spec', mountPath: SPEC_DIR, readOnly: true },
                { name: 'scratch', mountPath: SCRATCH_DIR },
                ...(options.voicesClaim ? [{ name: 'voices', mountPath: VOICES_MOUNT, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            {
              name: 'spec',
              secret: { secretName: name, defaultMode: 0o440, items: [{ key: SPEC_FILE, path: SPEC_FILE }] },
            },
            { name: 'scratch', emptyDir: { sizeLimit: plan.renderPod.scratch } },
            ...(options.voicesClaim
              ? [{ name: 'voices', persistentVolumeClaim: { claimName: options.voicesClaim, readOnly: true } }]
              : []),
          ],
        },
      },
    },
  };
}
