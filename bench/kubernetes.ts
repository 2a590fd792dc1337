/**
 * Operator benchmark (part of `make bench`): 1,000 RenderJobs created at once against the real
 * control plane of the tests (kube-apiserver, controller-manager, scheduler, kwok). Measures
 * RenderJob-to-Job time (from the RenderJob's creation to the operator's Job appearing on a
 * watch) p50/p99, Jobs created per second, and the operator's Kubernetes API requests per render
 * (watches do the observing, so it should be a handful of writes). Writes
 * bench/results/kubernetes.{json,md}.
 */
import { RenderEventTokens } from '../control-plane/src/auth/render-event-tokens.js';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CustomObjectsApi, PatchStrategy, makeInformer, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { connectionsOpened } from '../control-plane/src/kubernetes/connection-pool.js';
import { RenderJobOperator } from '../control-plane/src/kubernetes/operator.js';
import { GROUP, PLURAL, VERSION } from '../control-plane/src/kubernetes/render-job-resource.js';
import { planTable } from '../control-plane/src/plans.js';
import { startKubernetes } from '../tests/fixture/kubernetes.js';
import { waitFor } from '../tests/fixture/ports.js';

const ROOT = join(import.meta.dirname, '..');
const RENDERS = Number(process.env.BENCH_RENDERS ?? 1000);
const NAMESPACE = 'cutline';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const cluster = await startKubernetes({ nodes: [{ name: 'kwok-node-0', cpu: '1000', memory: '4000Gi', pods: 5000 }] });
try {
  await cluster.kubectl(['apply', '--server-side', '-k', join(ROOT, 'manifests')]);
  await cluster.kubectl(['scale', '-n', NAMESPACE, 'deployment', '--all', '--replicas=0']);
  const token = (await cluster.kubectl(['create', 'token', 'cutline-operator', '-n', NAMESPACE, '--duration=2h'])).trim();
  const kubeConfig = cluster.withToken(token);
  const operator = new RenderJobOperator(kubeConfig, {
    namespace: NAMESPACE,
    identity: 'bench',
    plans: planTable(),
    pod: { image: 'cutline/render-job:bench', serviceAccount: 'cutline-render', store: { endpoint: 'http://minio:9000', accessKey: 'k', secretKey: 's', region: 'us-east-1' }, events: { url: 'http://cutline-api.cutline.svc', tokens: new RenderEventTokens('bench-secret') }, ttlSecondsAfterFinished: 3600, defaultBackoffLimit: 2 },
    workers: 16,
    leaseDurationSeconds: 15,
    retryPeriodMs: 500,
  });
  operator.start();
  await waitFor(async () => operator.isLeader, 'leadership', 30_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const before = await operator.apiRequestCount();
  const connectionsBefore = connectionsOpened(kubeConfig);

  // A watch of our own sees each Job appear.
  const admin = cluster.admin();
  const batch = admin.makeApiClient(BatchV1Api);
  const jobSeen = new Map<string, number>();
  const jobs = makeInformer<V1Job>(admin, `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`, () => batch.listNamespacedJob({ namespace: NAMESPACE }));
  jobs.on('add', (job) => {
    if (!jobSeen.has(job.metadata!.name!)) jobSeen.set(job.metadata!.name!, Date.now());
  });
  await jobs.start();

  const custom = admin.makeApiClient(CustomObjectsApi);
  const created = new Map<string, number>();
  const started = Date.now();
  const names = Array.from({ length: RENDERS }, (_, i) => `bench-${i}`);
  const tiers = ['free', 'starter', 'pro', 'business', 'enterprise'] as const;
  // 50 clients at once, as a busy API would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < names.length) {
        const i = next++;
        const name = names[i]!;
        const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'RenderJob', metadata: { name, namespace: NAMESPACE }, spec: { tier: tiers[i % tiers.length], render: { version: 1, video: { source: 's3://bench/clip.mp4' }, script: { text: 'Benchmark.' }, output: { destination: `s3://bench/${name}/` } } } };
        const t0 = Date.now();
        await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL, name, body, fieldManager: 'bench', force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
        created.set(name, t0);
      }
    }),
  );
  const allCreated = Date.now();
  await waitFor(async () => jobSeen.size >= RENDERS, `${RENDERS} Jobs (have ${jobSeen.size})`, 600_000);
  // Let the status writes that follow (pods scheduled, running) settle before counting requests.
  await new Promise((r) => setTimeout(r, 5_000));
  const requests = (await operator.apiRequestCount()) - before;
  const connections = connectionsOpened(kubeConfig) - connectionsBefore;
  const latencies = names.map((n) => jobSeen.get(n)! - created.get(n)!).sort((a, b) => a - b);
  const firstJob = Math.min(...jobSeen.values());
  const lastJob = Math.max(...jobSeen.values());
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    renders: RENDERS,
    createSeconds: (allCreated - started) / 1000,
    renderJobToJobMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
    jobsPerSecond: Math.round((RENDERS / ((lastJob - firstJob) / 1000 || 1)) * 10) / 10,
    apiRequestsPerRender: Math.round((requests / RENDERS) * 100) / 100,
    newConnectionsPerRender: Math.round((connections / RENDERS) * 1000) / 1000,
  };
  await jobs.stop();
  await operator.stop();
  await writeFile(join(ROOT, 'bench/results/kubernetes.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(
    join(ROOT, 'bench/results/kubernetes.md'),
    `# Operator benchmark\n\n${result.date}, ${result.machine.cpus} CPUs (${result.machine.model}); kube-apiserver, etcd, controller-manager, scheduler, kwok and the operator all on this machine.\n\n` +
      `| measure | value |\n|---|---|\n` +
      `| RenderJobs created at once | ${RENDERS} (in ${result.createSeconds} s, 50 concurrent clients) |\n` +
      `| RenderJob → Job p50 | ${result.renderJobToJobMs.p50} ms |\n| RenderJob → Job p99 | ${result.renderJobToJobMs.p99} ms |\n` +
      `| Jobs created per second | ${result.jobsPerSecond} |\n| operator API requests per render | ${result.apiRequestsPerRender} |\n` +
      `| operator's new connections per render | ${result.newConnectionsPerRender} (one keep-alive pool per cluster client) |\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cluster.stop();
}
