/**
 * Operator benchmark (part of `make bench`): 1,000 RenderJobs created at once against the real
 * control plane of the tests (kube-apiserver, controller-manager, scheduler, kwok), in two
 * phases of the same run:
 *   1. the limit: a bare client creates each RenderJob's Secret and Job itself, with the
 *      operator's own builders, token, keep-alive pool and server-side apply, 16 at once;
 *   2. the operator (16 workers) does the same from the RenderJobs.
 * For each: Jobs per second (first to last Job seen on a watch), RenderJob-to-Job p50/p99, CPU
 * per Job of this process (the client or the operator) and of kube-apiserver; for the operator
 * also its API requests and new connections per render. Writes bench/results/kubernetes.{json,md}.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type KubeConfig,
  type V1Job,
} from '@kubernetes/client-node';
import { RenderEventTokens } from '../control-plane/src/auth/render-event-tokens.js';
import { connectionsOpened, poolConnections } from '../control-plane/src/kubernetes/connection-pool.js';
import { RenderJobOperator } from '../control-plane/src/kubernetes/operator.js';
import {
  buildRenderJob,
  buildRenderSecret,
  type RenderPodOptions,
} from '../control-plane/src/kubernetes/render-pod.js';
import {
  FINALIZER,
  GROUP,
  PLURAL,
  VERSION,
  type RenderJob,
} from '../control-plane/src/kubernetes/render-job-resource.js';
import { planTable } from '../control-plane/src/plans.js';
import { startKubernetes, type KubernetesCluster } from '../tests/fixture/kubernetes.js';
import { waitFor } from '../tests/fixture/ports.js';

const ROOT = join(import.meta.dirname, '..');
const RENDERS = Number(process.env.BENCH_RENDERS ?? 1000);
const WORKERS = 16;
const NAMESPACE = 'cutline';
const APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const TIERS = ['free', 'starter', 'pro', 'business', 'enterprise'] as const;
const POD: RenderPodOptions = {
  image: 'cutline/render-job:bench',
  serviceAccount: 'cutline-render',
  store: { endpoint: 'http://minio:9000', accessKey: 'k', secretKey: 's', region: 'us-east-1' },
  events: { url: 'http://cutline-api.cutline.svc', tokens: new RenderEventTokens('bench-secret') },
  ttlSecondsAfterFinished: 3600,
  defaultBackoffLimit: 2,
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU seconds kube-apiserver has used so far (from /proc). */
async function apiServerCpuSeconds(): Promise<number> {
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() !== 'kube-apiserver') continue;
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }
  throw new Error('kube-apiserver is not running');
}

const processCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

interface PhaseResult {
  jobsPerSecond: number;
  renderJobToJobMs: { p50: number; p99: number; max: number };
  cpuMsPerJob: { client: number; apiServer: number };
}

/** RenderJobs as they are created, to whoever asks for the next (undefined once all are taken). */
class Created {
  private readonly ready: RenderJob[] = [];
  private readonly waiting: Array<(rj: RenderJob | undefined) => void> = [];
  private done = false;

  push(renderJob: RenderJob): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(renderJob);
    else this.ready.push(renderJob);
  }

  close(): void {
    this.done = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
  }

  next(): Promise<RenderJob | undefined> {
    const ready = this.ready.shift();
    if (ready || this.done) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * Creates RenderJobs `${prefix}-N` as a busy API would (50 clients) while `makeJobs` turns them
 * into Jobs as they appear, and times each RenderJob to its Job.
 */
async function runPhase(
  cluster: KubernetesCluster,
  prefix: string,
  makeJobs: (created: Created) => Promise<void>,
): Promise<PhaseResult> {
  const admin = cluster.admin();
  const batch = admin.makeApiClient(BatchV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  const jobSeen = new Map<string, number>();
  const jobs = makeInformer<V1Job>(admin, `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, () =>
    batch.listNamespacedJob({ namespace: NAMESPACE }),
  );
  jobs.on('add', (job) => {
    const name = job.metadata!.name!;
    if (name.startsWith(`${prefix}-`) && !jobSeen.has(name)) jobSeen.set(name, Date.now());
  });
  await jobs.start();
  const names = Array.from({ length: RENDERS }, (_, i) => `${prefix}-${i}`);
  const created = new Map<string, number>();
  const renderJobs = new Created();
  const cpu0 = { client: processCpuSeconds(), apiServer: await apiServerCpuSeconds() };
  const making = makeJobs(renderJobs);
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < names.length) {
        const i = next++;
        const name = names[i]!;
        // As the launcher writes it, the operator's finalizer included.
        const body = {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'RenderJob',
          metadata: { name, namespace: NAMESPACE, finalizers: [FINALIZER] },
          spec: {
            tier: TIERS[i % TIERS.length],
            render: {
              version: 1,
              video: { source: 's3://bench/clip.mp4' },
              script: { text: 'Benchmark.' },
              output: { destination: `s3://bench/${name}/` },
            },
          },
        };
        created.set(name, Date.now());
        renderJobs.push(
          (await custom.patchNamespacedCustomObject(
            {
              group: GROUP,
              version: VERSION,
              namespace: NAMESPACE,
              plural: PLURAL,
              name,
              body,
              fieldManager: 'bench',
              force: true,
            },
            APPLY,
          )) as RenderJob,
        );
      }
    }),
  );
  renderJobs.close();
  await making;
  await waitFor(async () => jobSeen.size >= RENDERS, `${RENDERS} ${prefix} Jobs (have ${jobSeen.size})`, 600_000);
  const cpu1 = { client: processCpuSeconds(), apiServer: await apiServerCpuSeconds() };
  await jobs.stop();
  const latencies = names.map((n) => jobSeen.get(n)! - created.get(n)!).sort((a, b) => a - b);
  const span = (Math.max(...jobSeen.values()) - Math.min(...jobSeen.values())) / 1000 || 1;
  return {
    jobsPerSecond: Math.round((RENDERS / span) * 10) / 10,
    renderJobToJobMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)! },
    cpuMsPerJob: {
      client: Math.round(((cpu1.client - cpu0.client) / RENDERS) * 1e4) / 10,
      apiServer: Math.round(((cpu1.apiServer - cpu0.apiServer) / RENDERS) * 1e4) / 10,
    },
  };
}

/** Phase 1: a bare client makes each RenderJob's Secret and Job as it appears, WORKERS at once. */
async function bareClient(kubeConfig: KubeConfig, created: Created): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(poolConnections(kubeConfig));
  const plans = planTable();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let renderJob = await created.next(); renderJob; renderJob = await created.next()) {
        await objects.patch(
          buildRenderSecret(renderJob, plans, POD),
          undefined,
          undefined,
          'bench-bare',
          true,
          PatchStrategy.ServerSideApply,
        );
        await objects.patch(
          buildRenderJob(renderJob, plans, POD),
          undefined,
          undefined,
          'bench-bare',
          true,
          PatchStrategy.ServerSideApply,
        );
      }
    }),
  );
}

/** Deletes a phase's RenderJobs (and so their Jobs and pods) and waits until they are gone. */
async function clear(cluster: KubernetesCluster, prefix: string): Promise<void> {
  const admin = cluster.admin();
  const custom = admin.makeApiClient(CustomObjectsApi);
  const batch = admin.makeApiClient(BatchV1Api);
  const list = (await custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NAMESPACE,
    plural: PLURAL,
  })) as { items: RenderJob[] };
  const mine = list.items.filter((rj) => rj.metadata.name!.startsWith(`${prefix}-`));
  // No operator runs to take its finalizer off: the bench does.
  for (const rj of mine) {
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NAMESPACE,
        plural: PLURAL,
        name: rj.metadata.name!,
        body: { metadata: { finalizers: null } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  await cluster.kubectl(['delete', 'renderjobs', '-n', NAMESPACE, '--all', '--wait=true']);
  await waitFor(
    async () => (await batch.listNamespacedJob({ namespace: NAMESPACE })).items.length === 0,
    'the bare phase to be cleared',
    300_000,
  );
}

const cluster = await startKubernetes({ nodes: [{ name: 'kwok-node-0', cpu: '1000', memory: '4000Gi', pods: 5000 }] });
try {
  await cluster.kubectl(['apply', '--server-side', '-k', join(ROOT, 'manifests')]);
  await cluster.kubectl(['scale', '-n', NAMESPACE, 'deployment', '--all', '--replicas=0']);
  const token = (
    await cluster.kubectl(['create', 'token', 'cutline-operator', '-n', NAMESPACE, '--duration=2h'])
  ).trim();

  // A new cluster grants discovery (system:discovery) a moment after it answers; until then the
  // operator's identity gets 403 on /api/v1.
  const discovery = cluster.withToken(token).makeApiClient(CoreV1Api);
  await waitFor(
    () =>
      discovery.getAPIResources().then(
        () => true,
        () => false,
      ),
    'discovery for the operator',
    60_000,
  );
  const bare = await runPhase(cluster, 'bare', (renderJobs) => bareClient(cluster.withToken(token), renderJobs));
  process.stderr.write(`bare client: ${JSON.stringify(bare)}\n`);
  await clear(cluster, 'bare');

  const kubeConfig = cluster.withToken(token);
  const operator = new RenderJobOperator(kubeConfig, {
    namespace: NAMESPACE,
    identity: 'bench',
    plans: planTable(),
    pod: POD,
    workers: WORKERS,
    leaseDurationSeconds: 15,
    retryPeriodMs: 500,
  });
  operator.start();
  await waitFor(async () => operator.isLeader, 'leadership', 30_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const requestsBefore = await operator.apiRequestCount();
  const connectionsBefore = connectionsOpened(kubeConfig);
  const withOperator = await runPhase(cluster, 'render', async () => undefined);
  // Let the status writes that follow (pods scheduled, running) settle before counting requests.
  await new Promise((r) => setTimeout(r, 5_000));
  const requests = (await operator.apiRequestCount()) - requestsBefore;
  const connections = connectionsOpened(kubeConfig) - connectionsBefore;
  await operator.stop();

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    renders: RENDERS,
    workers: WORKERS,
    bareClient: bare,
    operator: {
      ...withOperator,
      apiRequestsPerRender: Math.round((requests / RENDERS) * 100) / 100,
      newConnectionsPerRender: Math.round((connections / RENDERS) * 1000) / 1000,
    },
    operatorShareOfLimit: Math.round((withOperator.jobsPerSecond / bare.jobsPerSecond) * 100) / 100,
  };
  await writeFile(join(ROOT, 'bench/results/kubernetes.json'), `${JSON.stringify(result, null, 2)}\n`);
  const row = (label: string, p: PhaseResult) =>
    `| ${label} | ${p.jobsPerSecond} | ${p.renderJobToJobMs.p50} ms | ${p.renderJobToJobMs.p99} ms | ${p.cpuMsPerJob.client} ms | ${p.cpuMsPerJob.apiServer} ms |`;
  await writeFile(
    join(ROOT, 'bench/results/kubernetes.md'),
    `# Operator benchmark\n\n${result.date}, ${result.machine.cpus} CPUs (${result.machine.model}); kube-apiserver, etcd, controller-manager, scheduler, kwok and the client or operator all on this machine. ` +
      `${RENDERS} RenderJobs created at once by 50 clients; ${WORKERS} at once make their Secrets and Jobs.\n\n` +
      `| who makes the Jobs | Jobs/s | RenderJob → Job p50 | p99 | CPU per Job, client or operator | CPU per Job, kube-apiserver |\n|---|---|---|---|---|---|\n` +
      `${row('a bare client (the limit)', bare)}\n${row('the operator', withOperator)}\n\n` +
      `The operator reaches ${result.operatorShareOfLimit} of the limit, with ${result.operator.apiRequestsPerRender} API requests and ${result.operator.newConnectionsPerRender} new connections per render ` +
      `(requests counted until 5 s after the last Job appeared; the bare client makes 2).\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cluster.stop();
}
