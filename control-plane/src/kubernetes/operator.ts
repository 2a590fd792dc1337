/**
 * The RenderJob operator (`control-plane operator`, DESIGN §7). Informers watch RenderJobs, and
 * the Jobs and pods it made (never polling); every change puts the RenderJob's key on a work
 * queue; reconciling a key makes the cluster match the RenderJob — a Secret with the spec and
 * credentials and a Job, both owned by the RenderJob and written with server-side apply — and
 * writes what the Job and pods show back to the RenderJob's status and, for renders of the
 * Cutline service, to the render's record (and from there, through the outbox, to NATS).
 * Only the replica holding the Lease reconciles.
 */
import { poolConnections } from './connection-pool.js';
import { assertNever } from '@cutline/render-job';
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PlanTable } from '../plans.js';
import type { RenderRecords } from '../workers/cluster-render-records.js';
import { LeaderElector } from './leader-election.js';
import { buildRenderJob, buildRenderSecret, type RenderPodOptions } from './render-pod.js';
import { isDisrupted, observe, type Observation } from './render-job-status.js';
import {
  API_VERSION,
  FIELD_MANAGER,
  FINALIZER,
  GROUP,
  KIND,
  LABELS,
  PLURAL,
  RENDER_POD_APP,
  VERSION,
  isTerminal,
  type RenderJob,
  type RenderJobCondition,
  type RenderJobStatus,
} from './render-job-resource.js';
import { WorkQueue } from './work-queue.js';

export interface OperatorOptions {
  namespace: string;
  /** This replica's name in the Lease (the pod name in a cluster). */
  identity: string;
  plans: PlanTable;
  pod: RenderPodOptions;
  /** The Cutline service's records; absent when the operator runs RenderJobs alone. */
  records?: RenderRecords;
  registry?: Registry;
  workers?: number;
  leaseName?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** How often records handed to the cluster are checked against the RenderJobs that exist. */
  lostCheckMs?: number;
  /**
   * Status changes short of an outcome (Pending, Running) written at most once per this
   * interval per RenderJob, so the quick Pending → Running of a new Job is one write.
   * Outcomes are written at once.
   */
  statusCoalesceMs?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

const APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
/** The longest a Pending/Running status write yields to RenderJobs waiting in the queue. */
const STATUS_YIELD_MAX_MS = 30_000;
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The phase, counters and error as status: compared to decide whether to write. */
function statusFields(
  observation: Observation,
): Omit<RenderJobStatus, 'conditions' | 'observedGeneration' | 'jobName'> {
  const { phase, failedPods, disruptions, errorCode, message, startTime, completionTime } = observation;
  return {
    phase,
    failedPods,
    disruptions,
    ...(errorCode ? { errorCode } : {}),
    ...(message ? { message } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
  };
}

function conditionsFor(
  observation: Observation,
  previous: RenderJobCondition[] | undefined,
  generation: number | undefined,
  now: string,
): RenderJobCondition[] {
  const want: RenderJobCondition[] = [
    { type: 'Ready', status: observation.phase === 'Running' ? 'True' : 'False', reason: observation.phase },
    { type: 'Succeeded', status: observation.phase === 'Succeeded' ? 'True' : 'False', reason: observation.phase },
    {
      type: 'Failed',
      status: observation.phase === 'Failed' ? 'True' : 'False',
      reason: observation.errorCode ?? observation.phase,
    },
  ];
  return want.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime =
      before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return {
      ...c,
      message: observation.message ?? '',
      lastTransitionTime,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
}

export class RenderJobOperator {
  private readonly custom: CustomObjectsApi;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly objects: KubernetesObjectApi;
  private readonly elector: LeaderElector;
  private readonly queue: WorkQueue;
  private renderJobs: (Informer<RenderJob & KubernetesObject> & ObjectCache<RenderJob & KubernetesObject>) | undefined;
  private jobs: (Informer<V1Job> & ObjectCache<V1Job>) | undefined;
  private pods: (Informer<V1Pod> & ObjectCache<V1Pod>) | undefined;
  /** Pods seen preempted or evicted, per RenderJob: such pods are deleted, so remember them. */
  private readonly disrupted = new Map<string, Set<string>>();
  /** The last phase written to the render's record, per RenderJob (skips repeated writes). */
  private readonly recorded = new Map<string, string>();
  /** When each RenderJob's status was last written (or its Job created), for statusDue. */
  private readonly lastStatusWrite = new Map<string, number>();
  private lostTimer: NodeJS.Timeout | undefined;
  private controllersRunning = false;
  private readonly metrics: {
    reconcile: Histogram<'result'>;
    queueDepth: Gauge;
    apiRequests: Counter<'verb' | 'resource'>;
    apiErrors: Counter<'verb' | 'resource' | 'code'>;
    leader: Gauge;
  };
  private readonly log: NonNullable<OperatorOptions['log']>;
  private readonly kubeConfig: KubeConfig;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: OperatorOptions,
  ) {
    poolConnections(kubeConfig);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.kubeConfig = kubeConfig;
    this.log = options.log ?? (() => undefined);
    const registers = options.registry ? [options.registry] : [];
    const queue = () => this.queue;
    const depth: Gauge = new Gauge({
      name: 'cutline_operator_queue_depth',
      help: 'RenderJobs waiting to be reconciled.',
      registers,
      collect: (): void => depth.set(queue().depth),
    });
    this.metrics = {
      reconcile: new Histogram({
        name: 'cutline_operator_reconcile_seconds',
        help: 'Time to reconcile one RenderJob.',
        labelNames: ['result'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
      queueDepth: depth,
      apiRequests: new Counter({
        name: 'cutline_operator_api_requests_total',
        help: 'Kubernetes API requests by the operator.',
        labelNames: ['verb', 'resource'],
        registers,
      }),
      apiErrors: new Counter({
        name: 'cutline_operator_api_errors_total',
        help: 'Kubernetes API requests that failed.',
        labelNames: ['verb', 'resource', 'code'],
        registers,
      }),
      leader: new Gauge({ name: 'cutline_operator_leader', help: '1 while this replica holds the Lease.', registers }),
    };
    this.queue = new WorkQueue((key) => this.reconcileTimed(key), {
      workers: options.workers ?? 4,
      baseDelayMs: 200,
      maxDelayMs: 60_000,
      onError: (key, err, failures) => this.log('reconcile failed; will retry', { key, failures, error: String(err) }),
    });
    this.elector = new LeaderElector(kubeConfig.makeApiClient(CoordinationV1Api), {
      namespace: options.namespace,
      name: options.leaseName ?? 'cutline-operator',
      identity: options.identity,
      leaseDurationSeconds: options.leaseDurationSeconds ?? 15,
      renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: options.retryPeriodMs ?? 2_000,
      onStartedLeading: () => this.startControllers(),
      onStoppedLeading: () => this.stopControllers(),
      log: this.log,
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** API requests counted so far (all verbs), for the benchmark. */
  async apiRequestCount(): Promise<number> {
    const metric = await this.metrics.apiRequests.get();
    return metric.values.reduce((sum, v) => sum + v.value, 0);
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
    await this.stopControllers();
  }

  /** Counts and times one API call; errors are counted by status code and rethrown. */
  private async call<T>(verb: string, resource: string, request: () => Promise<T>): Promise<T> {
    this.metrics.apiRequests.inc({ verb, resource });
    try {
      return await request();
    } catch (err) {
      this.metrics.apiErrors.inc({ verb, resource, code: String(errorCode(err) ?? 'network') });
      throw err;
    }
  }

  private watch<T extends KubernetesObject>(
    resource: string,
    path: string,
    list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
    labelSelector?: string,
  ) {
    const informer = makeInformer<T>(
      this.kubeConfig,
      path,
      () => this.call('list', resource, list) as never,
      labelSelector,
    );
    const enqueue = (obj: T) => {
      const key = this.ownerKey(obj);
      if (key) this.queue.add(key);
    };
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    // An informer stops on a watch error: start it again (it re-lists) while we lead.
    informer.on('error', (err: unknown) => {
      this.metrics.apiErrors.inc({ verb: 'watch', resource, code: String(errorCode(err) ?? 'network') });
      setTimeout(() => {
        if (this.controllersRunning) void informer.start().catch(() => undefined);
      }, 1_000).unref();
    });
    return informer;
  }

  /** The RenderJob a watched object belongs to. */
  private ownerKey(obj: KubernetesObject): string | undefined {
    if (obj.kind === KIND || (obj as { apiVersion?: string }).apiVersion === API_VERSION)
      return keyOf(obj.metadata?.namespace, obj.metadata?.name);
    const owner = obj.metadata?.labels?.[LABELS.renderJob];
    if (!owner) return undefined;
    const key = keyOf(obj.metadata?.namespace, owner);
    if (isDisrupted(obj as V1Pod)) this.noteDisruption(key, obj.metadata!.uid!);
    return key;
  }

  /** A preempted or evicted pod is deleted soon after: count it while it is still visible. */
  private noteDisruption(key: string, podUid: string): void {
    const seen = this.disrupted.get(key) ?? new Set<string>();
    seen.add(podUid);
    this.disrupted.set(key, seen);
  }

  private async startControllers(): Promise<void> {
    if (this.controllersRunning) return;
    this.controllersRunning = true;
    this.metrics.leader.set(1);
    const namespace = this.options.namespace;
    const podSelector = `${LABELS.name}=${RENDER_POD_APP}`;
    this.renderJobs = this.watch<RenderJob & KubernetesObject>(
      PLURAL,
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
      () =>
        this.custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
        }) as Promise<{ items: Array<RenderJob & KubernetesObject> }>,
    );
    this.jobs = this.watch<V1Job>(
      'jobs',
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      () => this.batch.listNamespacedJob({ namespace, labelSelector: podSelector }),
      podSelector,
    );
    this.pods = this.watch<V1Pod>(
      'pods',
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace, labelSelector: podSelector }),
      podSelector,
    );
    try {
      // Jobs and pods first: a RenderJob reconciled before they are known would look new.
      await Promise.all([this.jobs.start(), this.pods.start()]);
      await this.renderJobs.start();
    } catch (err) {
      this.log('could not start watching; retrying', { error: String(err) });
      await this.stopControllers();
      setTimeout(() => {
        if (this.elector.isLeader) void this.startControllers();
      }, 2_000).unref();
      return;
    }
    this.log('reconciling RenderJobs', { namespace, identity: this.options.identity });
    if (this.options.records) {
      const check = () =>
        void this.requeueLost().catch((err: unknown) => this.log('lost-render check failed', { error: String(err) }));
      this.lostTimer = setInterval(check, this.options.lostCheckMs ?? 30_000);
      this.lostTimer.unref();
    }
  }

  private async stopControllers(): Promise<void> {
    if (!this.controllersRunning) return;
    this.controllersRunning = false;
    this.metrics.leader.set(0);
    clearInterval(this.lostTimer);
    await Promise.all(
      [this.renderJobs?.stop(), this.jobs?.stop(), this.pods?.stop()].map((p) => p?.catch(() => undefined)),
    );
    await this.queue.stop();
    this.log('stopped reconciling');
  }

  private async requeueLost(): Promise<void> {
    if (!this.renderJobs || !this.options.records) return;
    const inCluster = this.renderJobs
      .list(this.options.namespace)
      .flatMap((rj) => (rj.spec.renderId ? [rj.spec.renderId] : []));
    const requeued = await this.options.records.requeueLost(inCluster);
    if (requeued > 0) this.log('requeued renders with no RenderJob in the cluster', { count: requeued });
  }

  private async reconcileTimed(key: string): Promise<void> {
    const end = this.metrics.reconcile.startTimer();
    try {
      await this.reconcile(key);
      end({ result: 'ok' });
    } catch (err) {
      end({ result: 'error' });
      throw err;
    }
  }

  private async reconcile(key: string): Promise<void> {
    if (!this.controllersRunning || !this.renderJobs || !this.jobs || !this.pods) return;
    const [namespace, name] = key.split('/') as [string, string];
    const renderJob = this.renderJobs.get(name, namespace);
    if (!renderJob) {
      this.disrupted.delete(key);
      this.recorded.delete(key);
      this.lastStatusWrite.delete(key);
      return;
    }
    if (renderJob.metadata.deletionTimestamp) return this.finalize(key, renderJob);
    if (!renderJob.metadata.finalizers?.includes(FINALIZER) && !isTerminal(renderJob.status?.phase)) {
      await this.applyMetadata(renderJob, [FINALIZER]);
    }
    const job = this.jobs.get(name, namespace);
    const canceled = renderJob.spec.canceled === true;
    if (canceled) {
      if (job && !job.metadata?.deletionTimestamp) await this.deleteJob(name, namespace);
    } else if (!job && !isTerminal(renderJob.status?.phase)) {
      await this.createJob(key, renderJob);
    }
    const pods = this.pods.list(namespace).filter((p) => p.metadata?.labels?.[LABELS.renderJob] === name);
    let observation = observe(
      canceled ? undefined : job,
      pods,
      canceled,
      Math.max(renderJob.status?.disruptions ?? 0, this.disrupted.get(key)?.size ?? 0),
    );
    // A finished RenderJob stays finished (its Job is removed after ttlSecondsAfterFinished).
    if (isTerminal(renderJob.status?.phase))
      observation = {
        ...renderJob.status,
        phase: renderJob.status!.phase!,
        failedPods: renderJob.status?.failedPods ?? 0,
        disruptions: renderJob.status?.disruptions ?? 0,
      };
    else if (this.statusDue(key, observation)) await this.writeStatus(key, renderJob, observation);
    await this.record(key, renderJob, observation);
    if (isTerminal(observation.phase) && renderJob.metadata.finalizers?.includes(FINALIZER))
      await this.removeFinalizer(renderJob);
  }

  private async createJob(key: string, renderJob: RenderJob): Promise<void> {
    // The first status follows the Job's pod a moment later (statusDue), in one write.
    this.lastStatusWrite.set(key, Date.now());
    const secret = buildRenderSecret(renderJob, this.options.plans, this.options.pod);
    await this.call('apply', 'secrets', () =>
      this.objects.patch(secret, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
    const job = buildRenderJob(renderJob, this.options.plans, this.options.pod);
    try {
      await this.call('apply', 'jobs', () =>
        this.objects.patch(job, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
    } catch (err) {
      // 422 on an existing Job: its template is immutable and already right (cache lag).
      if (errorCode(err) !== 422) throw err;
    }
  }

  private async deleteJob(name: string, namespace: string): Promise<void> {
    try {
      await this.call('delete', 'jobs', () =>
        this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }),
      );
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
    }
  }

  /**
   * Takes our finalizer off, whoever set it (the launcher sets it when it creates the
   * RenderJob, saving a write): a JSON patch that first checks it is still where we saw it.
   */
  private async removeFinalizer(renderJob: RenderJob): Promise<void> {
    const index = renderJob.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
    if (index < 0) return;
    const path = `/metadata/finalizers/${index}`;
    try {
      await this.call('patch', PLURAL, () =>
        this.custom.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: renderJob.metadata.namespace!,
            plural: PLURAL,
            name: renderJob.metadata.name!,
            body: [
              { op: 'test', path, value: FINALIZER },
              { op: 'remove', path },
            ],
          },
          JSON_PATCH,
        ),
      );
    } catch (err) {
      // Gone, or the list changed meanwhile (the watch brings the RenderJob back to try again).
      if (errorCode(err) !== 404 && errorCode(err) !== 422) throw err;
    }
  }

  /** Server-side apply of the finalizers this operator owns ([] gives ours up). */
  private async applyMetadata(renderJob: RenderJob, finalizers: string[]): Promise<void> {
    const body = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name: renderJob.metadata.name!, namespace: renderJob.metadata.namespace!, finalizers },
    };
    try {
      await this.call('apply', PLURAL, () =>
        this.custom.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: renderJob.metadata.namespace!,
            plural: PLURAL,
            name: renderJob.metadata.name!,
            body,
            fieldManager: FIELD_MANAGER,
            force: true,
          },
          APPLY,
        ),
      );
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
    }
  }

  /**
   * Whether to write a status now: outcomes always; other changes once the interval since the
   * Job was created or the status last written has passed (the key comes back then). While
   * other RenderJobs wait in the queue, such a write waits too, for up to STATUS_YIELD_MAX_MS:
   * under a burst, making Jobs comes before reporting that they run (the render's record
   * follows the pods either way).
   */
  private statusDue(key: string, observation: Observation): boolean {
    if (isTerminal(observation.phase)) return true;
    const interval = this.options.statusCoalesceMs ?? 1_500;
    const since = Date.now() - (this.lastStatusWrite.get(key) ?? -Infinity);
    const wait = interval - since;
    if (wait <= 0 && (this.queue.depth === 0 || since >= STATUS_YIELD_MAX_MS)) return true;
    this.queue.addAfter(key, wait > 0 ? wait : interval);
    return false;
  }

  private async writeStatus(key: string, renderJob: RenderJob, observation: Observation): Promise<void> {
    const fields = { ...statusFields(observation), jobName: renderJob.metadata.name! };
    const current = renderJob.status ?? {};
    const unchanged =
      (Object.keys(fields) as Array<keyof typeof fields>).every((k) => current[k] === fields[k]) &&
      current.observedGeneration === renderJob.metadata.generation &&
      !(['errorCode', 'startTime', 'completionTime'] as const).some(
        (k) => current[k] !== undefined && fields[k] === undefined,
      );
    if (unchanged) return;
    this.lastStatusWrite.set(key, Date.now());
    const status: RenderJobStatus = {
      ...fields,
      conditions: conditionsFor(
        observation,
        current.conditions,
        renderJob.metadata.generation,
        new Date().toISOString(),
      ),
    };
    if (renderJob.metadata.generation !== undefined) status.observedGeneration = renderJob.metadata.generation;
    const body = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name: renderJob.metadata.name!, namespace: renderJob.metadata.namespace! },
      status,
    };
    try {
      await this.call('apply', `${PLURAL}/status`, () =>
        this.custom.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace: renderJob.metadata.namespace!,
            plural: PLURAL,
            name: renderJob.metadata.name!,
            body,
            fieldManager: FIELD_MANAGER,
            force: true,
          },
          APPLY,
        ),
      );
    } catch (err) {
      if (errorCode(err) !== 404) throw err;
    }
  }

  /** Writes the phase to the render's record once per phase (and again after a restart: harmless). */
  private async record(key: string, renderJob: RenderJob, observation: Observation): Promise<void> {
    const records = this.options.records;
    const renderId = renderJob.spec.renderId;
    if (!records || !renderId) return;
    const mark = `${observation.phase}/${observation.disruptions}`;
    if (this.recorded.get(key) === mark) return;
    switch (observation.phase) {
      case 'Running':
        await records.running(renderId);
        break;
      case 'Requeued':
        await records.requeued(renderId);
        break;
      case 'Succeeded':
        await records.succeeded(renderId, renderJob.spec.organizationId ?? '', renderJob.spec.tier);
        break;
      case 'Failed':
        await records.failed(
          renderId,
          observation.errorCode ?? 'CUTLINE_RENDER_FAILED',
          observation.message ?? 'The render failed.',
        );
        break;
      case 'Canceled':
        await records.canceled(renderId, 'Canceled in the cluster.');
        break;
      case 'Pending':
        break;
      default:
        assertNever(observation.phase, 'RenderJob phase');
    }
    this.recorded.set(key, mark);
  }

  /** A RenderJob being deleted before it finished: its render did not happen. */
  private async finalize(key: string, renderJob: RenderJob): Promise<void> {
    if (!renderJob.metadata.finalizers?.includes(FINALIZER)) return;
    const renderId = renderJob.spec.renderId;
    if (renderId && this.options.records && !isTerminal(renderJob.status?.phase)) {
      await this.options.records.failed(
        renderId,
        'CUTLINE_RENDER_DELETED',
        'Its RenderJob was deleted from the cluster before it finished.',
      );
    }
    await this.removeFinalizer(renderJob);
    this.recorded.delete(key);
  }
}
