/**
 * The Kubernetes launcher and the RenderJob operator against a real control plane (etcd,
 * kube-apiserver, controller-manager, scheduler, kwok nodes), real PostgreSQL, MinIO and NATS.
 * The CRD and manifests/ are applied server-side as a user would; the operator runs as the
 * cutline-operator ServiceAccount and the API's launcher as cutline-api, so every test also
 * proves the Roles in manifests/ are enough. kwok plays the kubelet: a test finishes a pod by writing the exit
 * code into its annotations (tests/fixture/kwok/pod-exit.yaml).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Job,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RenderEventTokens } from '../../control-plane/src/auth/render-event-tokens.js';
import { NatsBus } from '../../control-plane/src/events/nats-bus.js';
import { KUBERNETES_LAUNCHER_ID } from '../../control-plane/src/launcher/launcher.js';
import { KubernetesLauncher } from '../../control-plane/src/launcher/kubernetes-launcher.js';
import { renderJobBin } from '../../control-plane/src/launcher/local-launcher.js';
import { connectionsOpened, poolConnections } from '../../control-plane/src/kubernetes/connection-pool.js';
import { RenderJobOperator } from '../../control-plane/src/kubernetes/operator.js';
import {
  RENDER_COMMAND,
  SCRATCH_DIR,
  SPEC_DIR,
  TERMINATION_LOG,
  type RenderPodOptions,
} from '../../control-plane/src/kubernetes/render-pod.js';
import { GROUP, PLURAL, VERSION, type RenderJob } from '../../control-plane/src/kubernetes/render-job-resource.js';
import { ClusterRenderRecords } from '../../control-plane/src/workers/cluster-render-records.js';
import { startKubernetes, type KubernetesCluster } from '../fixture/kubernetes.js';
import { freshBucket, s3Client } from '../fixture/helpers.js';
import { freePort, waitFor } from '../fixture/ports.js';
import { ensureCorpus, type CorpusName } from '../render/corpus.js';
import { bearer, register, startApp, type Account, type TestApp } from '../control-plane/app-helper.js';

const services = inject('services');
const NAMESPACE = 'cutline';
const ROOT = join(import.meta.dirname, '..', '..');

let cluster: KubernetesCluster;
let operatorConfig: KubeConfig;
let operator: RenderJobOperator;
let t: TestApp;
let nats: NatsConnection;
let corpus: Record<CorpusName, string>;
let podOptions: RenderPodOptions;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let batch: BatchV1Api;

// Every tier asks for one CPU and the node has two, so two renders fill it (the preemption test).
const POD = { cpu: '1', memory: '1Gi', scratch: '1Gi', deadlineSeconds: 600 };
const PLANS = {
  free: { renderPod: POD },
  starter: { renderPod: { ...POD, deadlineSeconds: 3 } },
  pro: { renderPod: POD, rendersPerMonth: 10 },
  business: { renderPod: POD },
  enterprise: { renderPod: POD },
};

async function listRenderJobs(selector: string): Promise<RenderJob[]> {
  const list = (await custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NAMESPACE,
    plural: PLURAL,
    labelSelector: selector,
  })) as { items: RenderJob[] };
  return list.items;
}

async function renderJobOf(renderId: string): Promise<RenderJob> {
  let found: RenderJob | undefined;
  await waitFor(
    async () => {
      found = (await listRenderJobs(`cutline.dev/render=${renderId}`))[0];
      return Boolean(found);
    },
    `the RenderJob of ${renderId}`,
    30_000,
  );
  return found!;
}

async function readRenderJob(name: string): Promise<RenderJob> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NAMESPACE,
    plural: PLURAL,
    name,
  })) as RenderJob;
}

async function podsOf(renderJobName: string): Promise<V1Pod[]> {
  return (
    await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `cutline.dev/render-job=${renderJobName}` })
  ).items;
}

async function runningPod(renderJobName: string, exclude: string[] = []): Promise<V1Pod> {
  let pod: V1Pod | undefined;
  await waitFor(
    async () => {
      pod = (await podsOf(renderJobName)).find(
        (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && !exclude.includes(p.metadata!.name!),
      );
      return Boolean(pod);
    },
    `a running pod of ${renderJobName}`,
    60_000,
  ).catch(async (err: Error) => {
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE });
    const summary = pods.items.map(
      (p) =>
        `${p.metadata?.name} ${p.status?.phase} ${p.metadata?.deletionTimestamp ? 'deleting' : ''} ${JSON.stringify(p.status?.conditions?.filter((c) => c.status !== 'True').map((c) => c.message))}`,
    );
    throw new Error(`${err.message}\n${summary.join('\n')}`);
  });
  return pod!;
}

/** What a kubelet would report when the container exits. */
async function finishPod(pod: V1Pod, exitCode: number, terminationMessage?: string): Promise<void> {
  const annotations = [`kwok.cutline.dev/exit-code=${exitCode}`];
  if (terminationMessage) annotations.push(`kwok.cutline.dev/termination-message=${terminationMessage}`);
  await cluster.kubectl(['annotate', '-n', NAMESPACE, 'pod', pod.metadata!.name!, '--overwrite', ...annotations]);
}

async function phaseOf(name: string, phase: string, timeoutMs = 60_000): Promise<RenderJob> {
  let renderJob: RenderJob | undefined;
  await waitFor(
    async () => {
      renderJob = await readRenderJob(name);
      return renderJob.status?.phase === phase;
    },
    `RenderJob ${name} to be ${phase} (is ${renderJob?.status?.phase})`,
    timeoutMs,
  );
  return renderJob!;
}

async function renderState(id: string, state: string, timeoutMs = 30_000) {
  let row: { state: string; errorCode: string | null; errorMessage: string | null } | null = null;
  await waitFor(
    async () => {
      row = await t.db.render.findUnique({
        where: { id },
        select: { state: true, errorCode: true, errorMessage: true },
      });
      return row?.state === state;
    },
    `render ${id} to be ${state}`,
    timeoutMs,
  );
  return row!;
}

/**
 * Runs a pod's container exactly as the pod would, as a local process: command, args, env from
 * the Secret, the Secret mounted as files, scratch for writes. Returns its termination message.
 */
async function runPodLocally(
  podSpec: NonNullable<V1Job['spec']>['template']['spec'],
  secret: V1Secret,
): Promise<string> {
  const container = podSpec!.containers[0]!;
  const root = await mkdtemp(join(tmpdir(), 'cutline-pod-'));
  const specDir = join(root, 'spec');
  const scratch = join(root, 'scratch');
  await Promise.all([mkdir(specDir), mkdir(scratch)]);
  const data = secret.data!;
  for (const item of podSpec!.volumes!.find((v) => v.name === 'spec')!.secret!.items!)
    await writeFile(join(specDir, item.path), Buffer.from(data[item.key]!, 'base64'));
  const local = (value: string) =>
    value
      .replace(SPEC_DIR, specDir)
      .replace(TERMINATION_LOG, join(root, 'termination-log'))
      .replace(SCRATCH_DIR, scratch);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const variable of container.env!) {
    env[variable.name] = variable.valueFrom?.secretKeyRef
      ? Buffer.from(data[variable.valueFrom.secretKeyRef.key]!, 'base64').toString()
      : local(variable.value!);
  }
  expect(container.command).toEqual(RENDER_COMMAND);
  const args = [renderJobBin(), ...container.args!.map(local)];
  const exitCode = await runProcess(args, env);
  expect(exitCode.code, exitCode.stderr).toBe(0);
  const termination = await readFile(join(root, 'termination-log'), 'utf8');
  expect(JSON.parse(termination)).toEqual({ ok: true });
  await rm(root, { recursive: true, force: true });
  return termination;
}

async function account(name: string, plan: 'free' | 'starter' | 'pro' | 'business'): Promise<Account> {
  const created = await register(t.app, name);
  await t.db.organization.update({ where: { id: created.organizationId }, data: { plan } });
  return created;
}

async function submit(owner: Account, script = 'Rendered by a Kubernetes Job.'): Promise<string> {
  const upload = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=clip.mp4',
    headers: { ...bearer(owner.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/renders',
    headers: bearer(owner.accessToken),
    payload: { assetId: upload.json<{ id: string }>().id, script, formats: ['1:1'] },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

async function reserved(owner: Account): Promise<{ reserved: number; committed: number }> {
  const period = await t.db.usagePeriod.findFirst({ where: { organizationId: owner.organizationId } });
  return { reserved: period!.rendersReserved, committed: period!.rendersCommitted };
}

function runProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** A token of one of manifests/' ServiceAccounts (cutline-operator, cutline-api): what its Deployment runs as. */
async function serviceAccountConfig(name = 'cutline-operator'): Promise<KubeConfig> {
  const token = (await cluster.kubectl(['create', 'token', name, '-n', NAMESPACE, '--duration=2h'])).trim();
  return cluster.withToken(token);
}

/** The event token the test app accepts for a render (its key is the app's JWT secret). */
const eventTokens = new RenderEventTokens('test-secret-that-is-long-enough-0123456789');

beforeAll(async () => {
  corpus = await ensureCorpus();
  cluster = await startKubernetes({ nodes: [{ name: 'kwok-node-0', cpu: '2', memory: '16Gi', pods: 110 }] });
  await cluster.kubectl(['apply', '--server-side', '-k', join(ROOT, 'manifests')]);
  // The Deployments' pods would take the node's CPU; the tests run the control plane in-process.
  await cluster.kubectl(['scale', '-n', NAMESPACE, 'deployment', '--all', '--replicas=0']);
  const admin = cluster.admin();
  custom = admin.makeApiClient(CustomObjectsApi);
  core = admin.makeApiClient(CoreV1Api);
  batch = admin.makeApiClient(BatchV1Api);

  const bucket = await freshBucket(s3Client(services.s3), 'k8s');
  nats = await connect({ servers: services.natsUrl });
  operatorConfig = await serviceAccountConfig();
  t = await startApp(
    services.postgresUrl,
    {
      CUTLINE_AUTH_RATE_LIMIT: '10000',
      CUTLINE_S3_ENDPOINT: services.s3.endpoint,
      CUTLINE_S3_ACCESS_KEY: services.s3.accessKey,
      CUTLINE_S3_SECRET_KEY: services.s3.secretKey,
      CUTLINE_S3_BUCKET: bucket,
    },
    PLANS,
    {
      launcher: {
        launcher: new KubernetesLauncher(await serviceAccountConfig('cutline-api'), {
          namespace: NAMESPACE,
          maxPending: 100,
        }),
        launcherId: KUBERNETES_LAUNCHER_ID,
        recoverOrphans: false,
      },
      bus: await NatsBus.connect(services.natsUrl),
    },
  );
  podOptions = {
    image: 'cutline/render-job:test',
    serviceAccount: 'cutline-render',
    store: {
      endpoint: services.s3.endpoint,
      accessKey: services.s3.accessKey,
      secretKey: services.s3.secretKey,
      region: 'us-east-1',
    },
    events: { url: t.baseUrl, tokens: eventTokens },
    ttlSecondsAfterFinished: 3600,
    defaultBackoffLimit: 1,
  };
  operator = new RenderJobOperator(operatorConfig, {
    namespace: NAMESPACE,
    identity: 'operator-a',
    plans: t.plans,
    pod: podOptions,
    records: new ClusterRenderRecords(t.lifecycle, t.store),
    leaseDurationSeconds: 4,
    renewDeadlineMs: 3_000,
    retryPeriodMs: 500,
  });
  operator.start();
  await waitFor(async () => operator.isLeader, 'the operator to lead', 30_000);
}, 180_000);

// Each test starts with an empty node: whatever a test left running is deleted.
afterEach(async () => {
  await cluster?.kubectl(['delete', 'renderjobs', '--all', '-n', NAMESPACE, '--wait=true']);
  await waitFor(
    async () =>
      (await core.listNamespacedPod({ namespace: NAMESPACE })).items.every(
        (p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Pending',
      ),
    'the node to be empty',
    60_000,
  );
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await t?.close();
  await nats?.drain();
  await cluster?.stop();
}, 60_000);

/**
 * What a render pod can reach with what its Secret holds (DESIGN §7): no storage keys or bus
 * address at all; links that read its own inputs and write its own outputs, and that stop
 * working when pointed at any other object; a token that reports for its own render only.
 */
async function expectOnlyItsOwnReach(secret: V1Secret, renderId: string, organizationId: string): Promise<void> {
  const data = Object.fromEntries(
    Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
  expect(Object.keys(data).sort()).toEqual(['CUTLINE_EVENTS_TOKEN', 'CUTLINE_EVENTS_URL', 'spec.json']);
  const text = JSON.stringify(data);
  for (const credential of [services.s3.secretKey, services.natsUrl]) expect(text).not.toContain(credential);
  const spec = JSON.parse(data['spec.json']!) as {
    video: { source: string };
    output: {
      destination: string;
      links: Record<string, { put: string; delete: string; headers: Record<string, string> }>;
    };
  };
  expect(spec.video.source).toMatch(/^https?:\/\/.*X-Amz-Signature=/);
  const prefix = `orgs/${organizationId}/renders/${renderId}/`;
  expect(Object.keys(spec.output.links)).toEqual(expect.arrayContaining(['thumbnail.jpg', 'manifest.json']));
  for (const link of Object.values(spec.output.links))
    expect(decodeURIComponent(new URL(link.put).pathname)).toContain(prefix);

  // Another tenant's object, and another render's output, in the same bucket.
  const bucket = new URL(spec.video.source).pathname.split('/')[1]!;
  const client = s3Client(services.s3);
  const foreignKey = `orgs/${randomUUID()}/assets/${randomUUID()}`;
  await client.putObject(bucket, foreignKey, Buffer.from('another tenant'));
  const elsewhere = (link: string, key: string) => {
    const url = new URL(link);
    url.pathname = `/${bucket}/${key}`;
    return url.toString();
  };
  expect((await fetch(elsewhere(spec.video.source, foreignKey))).status).toBe(403);
  expect(
    (await fetch(elsewhere(spec.output.links['manifest.json']!.delete, foreignKey), { method: 'DELETE' })).status,
  ).toBe(403);
  expect(
    (
      await fetch(elsewhere(spec.output.links['manifest.json']!.put, foreignKey), {
        method: 'PUT',
        body: 'overwritten',
        headers: spec.output.links['manifest.json']!.headers,
      })
    ).status,
  ).toBe(403);
  const list = new URL(spec.video.source);
  list.pathname = `/${bucket}`;
  list.search = `list-type=2&${list.search.slice(1)}`;
  expect((await fetch(list)).status).toBe(403);
  expect((await fetch(`${new URL(spec.video.source).origin}/${bucket}?list-type=2`)).status).toBe(403);
  const left: Buffer[] = [];
  for await (const chunk of await client.getObject(bucket, foreignKey)) left.push(chunk as Buffer);
  expect(Buffer.concat(left).toString()).toBe('another tenant');

  // Its token reports for its own render, and for no other.
  const report = (id: string) =>
    fetch(`${data.CUTLINE_EVENTS_URL}/v1/internal/renders/${id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${data.CUTLINE_EVENTS_TOKEN}` },
      body: JSON.stringify({
        type: 'progress',
        renderId: id,
        stage: 'fetching',
        progress: 0.01,
        stageProgress: 0.1,
        etaSeconds: null,
        at: new Date().toISOString(),
      }),
    });
  expect((await report(randomUUID())).status).toBe(401);
  expect((await report(renderId)).status).toBe(204);
}

describe('CRD and manifests', () => {
  it('installs server-side, explains its fields, and the API server rejects invalid RenderJobs with readable messages', async () => {
    expect(await cluster.kubectl(['explain', 'renderjob.spec.tier'])).toMatch(/PriorityClass/);
    const classes = await cluster.kubectl([
      'get',
      'priorityclasses',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.value}/{.preemptionPolicy} {end}',
    ]);
    expect(classes).toContain('cutline-free=1000/Never');
    expect(classes).toContain('cutline-business=4000/PreemptLowerPriority');
    const invalid = {
      apiVersion: 'cutline.dev/v1alpha1',
      kind: 'RenderJob',
      metadata: { name: 'invalid', namespace: NAMESPACE },
      spec: { tier: 'gold', backoffLimit: 99, render: { version: 1, video: {}, output: { destination: 's3://b/x/' } } },
    };
    const error = await cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(invalid)).then(
      () => '',
      (err: Error) => err.message,
    );
    expect(error).toMatch(/spec\.tier: Unsupported value: "gold"/);
    expect(error).toMatch(/spec\.backoffLimit: Invalid value: 99/);
    expect(error).toMatch(/spec\.render\.video\.source: Required value/);
    // What a render or an image job needs besides is checked once the schema holds (CEL rules).
    const rejection = (render: Record<string, unknown>) =>
      cluster
        .kubectl(
          ['apply', '--server-side', '-f', '-'],
          JSON.stringify({ ...invalid, spec: { tier: 'free', render: { version: 1, ...render } } }),
        )
        .then(
          () => '',
          (err: Error) => err.message,
        );
    const output = { destination: 's3://b/x/' };
    expect(await rejection({ video: { source: 's3://b/v' }, output })).toMatch(
      /spec\.render\.script: Required value: a render needs its script/,
    );
    expect(await rejection({ kind: 'image', output })).toMatch(
      /spec\.render\.inputs: Required value: an image job needs its pictures/,
    );
  });

  it('reuses keep-alive connections for its API calls, with TLS verification as before', async () => {
    const pooled = poolConnections(await serviceAccountConfig());
    const api = pooled.makeApiClient(CustomObjectsApi);
    await Promise.all(
      Array.from({ length: 8 }, () =>
        api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL }),
      ),
    );
    for (let i = 0; i < 40; i++)
      await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL });
    expect(connectionsOpened(pooled)).toBeLessThanOrEqual(8);
    // A server certificate the cluster's CA did not sign is still refused.
    const untrusted = await serviceAccountConfig();
    untrusted.clusters = untrusted.clusters.map((c) => ({
      ...c,
      caData: undefined,
      caFile: undefined,
      skipTLSVerify: false,
    }));
    const refused = await poolConnections(untrusted)
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL })
      .then(
        () => 'accepted',
        (err: Error) => err.message,
      );
    expect(refused).toMatch(/certificate|self[- ]signed|unable to verify/i);
  });

  it('gives the operator no rights beyond its namespace and no way to list Secrets, and the API only RenderJobs', async () => {
    const can = async (account: string, verb: string, resource: string, ns = NAMESPACE) =>
      (
        await cluster
          .kubectl(['auth', 'can-i', verb, resource, '-n', ns, '--as', `system:serviceaccount:${NAMESPACE}:${account}`])
          .catch((err: Error) => err.message)
      ).trim();
    expect(await can('cutline-operator', 'create', 'jobs.batch')).toBe('yes');
    expect(await can('cutline-operator', 'patch', 'renderjobs.cutline.dev/status')).toBe('yes');
    expect(await can('cutline-operator', 'list', 'secrets')).toMatch(/no/);
    expect(await can('cutline-operator', 'create', 'jobs.batch', 'default')).toMatch(/no/);
    expect(await can('cutline-operator', 'create', 'pods')).toMatch(/no/);
    expect(await can('cutline-api', 'create', 'renderjobs.cutline.dev')).toBe('yes');
    expect(await can('cutline-api', 'patch', 'renderjobs.cutline.dev')).toBe('yes');
    for (const [verb, resource] of [
      ['get', 'secrets'],
      ['create', 'secrets'],
      ['create', 'jobs.batch'],
      ['delete', 'renderjobs.cutline.dev'],
      ['create', 'pods'],
    ]) {
      expect(`${verb} ${resource}: ${await can('cutline-api', verb!, resource!)}`).toMatch(
        new RegExp(`^${verb} ${resource}: .*\\bno$`),
      );
    }
    expect(await can('cutline-render', 'get', 'renderjobs.cutline.dev')).toMatch(/no/);
  });
});

describe('render lifecycle in the cluster', () => {
  it('RenderJob → Job → pod → Succeeded; the render succeeds in PostgreSQL with its outputs and the event reaches NATS; the pod template really renders', async () => {
    const owner = await account('K8s', 'pro');
    const seen: Array<{ renderId: string; state: string; eventId?: number }> = [];
    const subscription = nats.subscribe('cutline.renders.*.state', {
      callback: (_err, msg) => void seen.push(msg.json()),
    });
    const renderId = await submit(owner);
    // Outbox events (with an eventId) of this render; the pod's own reports carry none.
    const states = () => seen.filter((e) => e.renderId === renderId && e.eventId).map((e) => e.state);
    const renderJob = await renderJobOf(renderId);
    expect(renderJob.metadata.name).toBe(`render-${renderId}-1`);
    const pod = await runningPod(renderJob.metadata.name!);
    await renderState(renderId, 'running');

    // The Job as DESIGN §7 has it.
    const job: V1Job = await batch.readNamespacedJob({ name: renderJob.metadata.name!, namespace: NAMESPACE });
    const podSpec = job.spec!.template.spec!;
    expect(job.metadata!.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'RenderJob', name: renderJob.metadata.name, controller: true }),
    ]);
    expect(job.metadata!.labels).toMatchObject({
      'cutline.dev/render': renderId,
      'cutline.dev/organization': owner.organizationId,
      'cutline.dev/tier': 'pro',
    });
    expect(podSpec.priorityClassName).toBe('cutline-pro');
    expect(pod.spec!.priority).toBe(3000);
    expect(job.spec!.podFailurePolicy!.rules.map((r) => r.action)).toEqual(['FailJob', 'Ignore']);
    expect(job.spec!.activeDeadlineSeconds).toBe(600);
    expect(podSpec.containers[0]!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(podSpec.volumes!.find((v) => v.name === 'scratch')!.emptyDir!.sizeLimit).toBe('1Gi');
    const secret = await core.readNamespacedSecret({ name: renderJob.metadata.name!, namespace: NAMESPACE });
    expect(secret.metadata!.ownerReferences![0]!.name).toBe(renderJob.metadata.name);
    await expectOnlyItsOwnReach(secret, renderId, owner.organizationId);

    const termination = await runPodLocally(podSpec, secret);

    await finishPod(pod, 0, termination);
    await phaseOf(renderJob.metadata.name!, 'Succeeded');
    const row = await renderState(renderId, 'succeeded');
    expect(row.errorCode).toBeNull();
    const outputs = await t.db.renderOutput.findMany({ where: { renderId } });
    expect(outputs.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['video', 'thumbnail', 'srt']));
    expect(await reserved(owner)).toEqual({ reserved: 0, committed: 1 });
    await waitFor(async () => states().includes('succeeded'), 'the succeeded event on NATS', 10_000);
    expect(states()).toEqual(['queued', 'admitted', 'running', 'succeeded']);
    subscription.unsubscribe();
    const done = await readRenderJob(renderJob.metadata.name!);
    expect(done.status!.conditions!.find((c) => c.type === 'Succeeded')!.status).toBe('True');
    expect(done.metadata.finalizers ?? []).toEqual([]);
  }, 120_000);

  it('an image job runs as a Job: its pod makes every size through its own signed links, and the images are charged', async () => {
    const owner = await account('K8s images', 'pro');
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#884422' } })
      .jpeg()
      .toBuffer();
    const upload = await t.app.inject({
      method: 'POST',
      url: '/v1/assets?kind=image&filename=shop.jpg',
      headers: { ...bearer(owner.accessToken), 'content-type': 'image/jpeg' },
      payload: photo,
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/images/batches',
      headers: bearer(owner.accessToken),
      payload: { assetIds: [upload.json<{ id: string }>().id], presets: ['instagram-story', 'x-post'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const [jobId] = created.json<{ jobIds: string[] }>().jobIds;
    const renderJob = await renderJobOf(jobId!);
    const pod = await runningPod(renderJob.metadata.name!);
    const job: V1Job = await batch.readNamespacedJob({ name: renderJob.metadata.name!, namespace: NAMESPACE });
    const secret = await core.readNamespacedSecret({ name: renderJob.metadata.name!, namespace: NAMESPACE });
    const spec = JSON.parse(Buffer.from(secret.data!['spec.json']!, 'base64').toString()) as {
      kind: string;
      inputs: Array<{ source: string }>;
      output: { links: Record<string, { put: string }> };
    };
    // No storage keys: the picture is read, and each file written, through a link of its own.
    expect(spec.kind).toBe('image');
    expect(spec.inputs[0]!.source).toMatch(/^https?:\/\/.*X-Amz-Signature=/);
    expect(Object.keys(spec.output.links).sort()).toEqual([
      'manifest.json',
      'shop-instagram-story.jpg',
      'shop-x-post.jpg',
    ]);
    expect(JSON.stringify(secret.data)).not.toContain(Buffer.from(services.s3.secretKey).toString('base64'));

    const termination = await runPodLocally(job.spec!.template.spec, secret);
    await finishPod(pod, 0, termination);
    await phaseOf(renderJob.metadata.name!, 'Succeeded');
    await renderState(jobId!, 'succeeded');
    const outputs = await t.db.renderOutput.findMany({ where: { renderId: jobId! }, orderBy: { name: 'asc' } });
    expect(outputs.map((o) => [o.kind, o.name, o.width, o.height])).toEqual([
      ['image', 'shop-instagram-story.jpg', 1080, 1920],
      ['image', 'shop-x-post.jpg', 1600, 900],
    ]);
    const period = await t.db.usagePeriod.findFirstOrThrow({ where: { organizationId: owner.organizationId } });
    expect([period.imagesReserved, period.imagesCommitted, period.rendersCommitted]).toEqual([0, 2, 0]);
  }, 120_000);

  it('exit code 2 fails at once with the render’s error code, without a retry, and refunds the quota', async () => {
    const owner = await account('Bad', 'pro');
    const renderId = await submit(owner);
    const renderJob = await renderJobOf(renderId);
    const pod = await runningPod(renderJob.metadata.name!);
    await finishPod(
      pod,
      2,
      JSON.stringify({ code: 'CUTLINE_VIDEO_UNDECODABLE', message: 'The video has no decodable stream.' }),
    );
    const failed = await phaseOf(renderJob.metadata.name!, 'Failed');
    expect(failed.status).toMatchObject({ errorCode: 'CUTLINE_VIDEO_UNDECODABLE', failedPods: 1 });
    const row = await renderState(renderId, 'failed');
    expect(row.errorCode).toBe('CUTLINE_VIDEO_UNDECODABLE');
    expect(row.errorMessage).toBe('The video has no decodable stream.');
    expect(await podsOf(renderJob.metadata.name!)).toHaveLength(1);
    expect(await reserved(owner)).toEqual({ reserved: 0, committed: 0 });
  }, 90_000);

  it('exit code 1 is retried up to the backoff limit, then fails', async () => {
    const owner = await account('Flaky', 'pro');
    const renderId = await submit(owner);
    const renderJob = await renderJobOf(renderId);
    const first = await runningPod(renderJob.metadata.name!);
    await finishPod(
      first,
      1,
      JSON.stringify({ code: 'CUTLINE_STORAGE_UNAVAILABLE', message: 'The object store did not answer.' }),
    );
    // The Job controller starts a second pod after its backoff (about 10 s).
    const second = await runningPod(renderJob.metadata.name!, [first.metadata!.name!]);
    await finishPod(
      second,
      1,
      JSON.stringify({ code: 'CUTLINE_STORAGE_UNAVAILABLE', message: 'The object store did not answer again.' }),
    );
    const failed = await phaseOf(renderJob.metadata.name!, 'Failed');
    expect(failed.status).toMatchObject({ errorCode: 'CUTLINE_STORAGE_UNAVAILABLE', failedPods: 2 });
    expect((await renderState(renderId, 'failed')).errorMessage).toBe('The object store did not answer again.');
    expect(await reserved(owner)).toEqual({ reserved: 0, committed: 0 });
  }, 120_000);

  it('a render past its deadline fails with CUTLINE_DEADLINE_EXCEEDED and is refunded', async () => {
    const owner = await account('Slow', 'starter');
    const renderId = await submit(owner);
    const renderJob = await renderJobOf(renderId);
    await runningPod(renderJob.metadata.name!);
    const failed = await phaseOf(renderJob.metadata.name!, 'Failed', 60_000);
    expect(failed.status!.errorCode).toBe('CUTLINE_DEADLINE_EXCEEDED');
    expect((await renderState(renderId, 'failed')).errorCode).toBe('CUTLINE_DEADLINE_EXCEEDED');
    expect(await reserved(owner)).toEqual({ reserved: 0, committed: 0 });
    await waitFor(
      async () => (await podsOf(renderJob.metadata.name!)).every((p) => p.status?.phase !== 'Running'),
      'the deadline to stop the pod',
      30_000,
    );
  }, 90_000);

  it('cancel mid-run deletes the Job and its pods; the render is canceled and refunded', async () => {
    const owner = await account('Cancel', 'pro');
    const renderId = await submit(owner);
    const renderJob = await renderJobOf(renderId);
    await runningPod(renderJob.metadata.name!);
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/renders/${renderId}/cancel`,
      headers: bearer(owner.accessToken),
    });
    expect(response.statusCode, response.body).toBe(200);
    await phaseOf(renderJob.metadata.name!, 'Canceled');
    await waitFor(async () => (await podsOf(renderJob.metadata.name!)).length === 0, 'the pods to go', 30_000);
    await expect(
      batch.readNamespacedJob({ name: renderJob.metadata.name!, namespace: NAMESPACE }),
    ).rejects.toMatchObject({ code: 404 });
    expect((await renderState(renderId, 'canceled')).state).toBe('canceled');
    expect(await reserved(owner)).toEqual({ reserved: 0, committed: 0 });
  }, 90_000);

  it('a RenderJob applied by hand runs; deleting it garbage-collects its Job, pods and Secret', async () => {
    const manual = {
      apiVersion: 'cutline.dev/v1alpha1',
      kind: 'RenderJob',
      metadata: { name: 'by-hand', namespace: NAMESPACE },
      spec: {
        tier: 'business',
        render: {
          version: 1,
          video: { source: 's3://somewhere/clip.mp4' },
          script: { text: 'Hello.' },
          voice: { id: 'espeak:en-us' },
          output: { destination: 's3://somewhere/out/' },
        },
      },
    };
    await cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(manual));
    await runningPod('by-hand');
    expect((await phaseOf('by-hand', 'Running')).status!.jobName).toBe('by-hand');
    expect(await cluster.kubectl(['get', 'renderjob', 'by-hand', '-n', NAMESPACE])).toMatch(
      /by-hand\s+Running\s+business/,
    );
    await cluster.kubectl(['delete', 'renderjob', 'by-hand', '-n', NAMESPACE, '--wait=true']);
    await waitFor(
      async () => {
        const [pods, jobs, secrets] = await Promise.all([
          podsOf('by-hand'),
          batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: 'cutline.dev/render-job=by-hand' }),
          core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: 'cutline.dev/render-job=by-hand' }),
        ]);
        return pods.length === 0 && jobs.items.length === 0 && secrets.items.length === 0;
      },
      'garbage collection of the Job, pods and Secret',
      60_000,
    );
  }, 90_000);

  it('a business render preempts a free one on a full node; the free render is requeued, runs later, and is charged once', async () => {
    const [free1, free2, business] = await Promise.all([
      account('Free1', 'free'),
      account('Free2', 'free'),
      account('Biz', 'business'),
    ]);
    const freeIds = [await submit(free1, 'Free one.'), await submit(free2, 'Free two.')];
    const freeJobs = await Promise.all(freeIds.map(renderJobOf));
    const freePods = await Promise.all(freeJobs.map((rj) => runningPod(rj.metadata.name!)));
    await Promise.all(freeIds.map((id) => renderState(id, 'running')));

    const businessId = await submit(business, 'Business first.');
    const businessJob = await renderJobOf(businessId);
    const businessPod = await runningPod(businessJob.metadata.name!);
    expect(businessPod.spec!.nodeName).toBe('kwok-node-0');

    // Exactly one free render was preempted: requeued, not failed, its reservation still held.
    let preemptedIndex = -1;
    await waitFor(
      async () => {
        const phases = await Promise.all(
          freeJobs.map((rj) => readRenderJob(rj.metadata.name!).then((r) => r.status?.phase)),
        );
        preemptedIndex = phases.indexOf('Requeued');
        return preemptedIndex >= 0;
      },
      'a free render to be requeued',
      60_000,
    );
    const preempted = freeJobs[preemptedIndex]!;
    const preemptedOwner = [free1, free2][preemptedIndex]!;
    const requeued = await readRenderJob(preempted.metadata.name!);
    expect(requeued.status).toMatchObject({ disruptions: 1, failedPods: 0 });
    expect((await renderState(freeIds[preemptedIndex]!, 'admitted')).state).toBe('admitted');
    const events = await t.db.outboxEvent.findMany({
      where: { subject: `cutline.renders.${freeIds[preemptedIndex]}.state` },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => (e.payload as { reason?: string }).reason).filter(Boolean)).toContain('requeued');
    expect(await reserved(preemptedOwner)).toEqual({ reserved: 1, committed: 0 });

    // The business render finishes (its Job needs no real render for this: its outcome is
    // the pod's), then the free render gets its node back.
    await finishPod(businessPod, 2, JSON.stringify({ code: 'CUTLINE_TEST_DONE', message: 'Finished for the test.' }));
    const rerun = await runningPod(preempted.metadata.name!, [freePods[preemptedIndex]!.metadata!.name!]);
    await renderState(freeIds[preemptedIndex]!, 'running');
    // Its outcome needs a manifest: render it for real from the spec, then let the pod exit 0.
    const spec = JSON.parse(
      Buffer.from(
        (await core.readNamespacedSecret({ name: preempted.metadata.name!, namespace: NAMESPACE })).data!['spec.json']!,
        'base64',
      ).toString(),
    ) as Record<string, unknown>;
    const specDir = await mkdtemp(join(tmpdir(), 'cutline-spec-'));
    await writeFile(join(specDir, 'spec.json'), JSON.stringify(spec));
    const run = await runProcess([renderJobBin(), '--spec', join(specDir, 'spec.json'), '--events', 'none'], {
      PATH: process.env.PATH ?? '',
    });
    expect(run.code, run.stderr).toBe(0);
    await rm(specDir, { recursive: true, force: true });
    await finishPod(rerun, 0);
    await renderState(freeIds[preemptedIndex]!, 'succeeded');
    expect(await reserved(preemptedOwner)).toEqual({ reserved: 0, committed: 1 });
    // The other free render was never disturbed; finish it so the node is empty again.
    const other = 1 - preemptedIndex;
    expect((await readRenderJob(freeJobs[other]!.metadata.name!)).status!.disruptions ?? 0).toBe(0);
    await finishPod(freePods[other]!, 2);
    await renderState(freeIds[other]!, 'failed');
  }, 180_000);
});

describe('operator replicas', () => {
  const MAIN = join(ROOT, 'control-plane', 'dist', 'main.js');

  async function startReplica(identity: string, kubeconfig: string, port: number) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      DATABASE_URL: t.databaseUrl,
      CUTLINE_KUBECONFIG: kubeconfig,
      CUTLINE_K8S_NAMESPACE: NAMESPACE,
      CUTLINE_S3_ENDPOINT: services.s3.endpoint,
      CUTLINE_S3_ACCESS_KEY: services.s3.accessKey,
      CUTLINE_S3_SECRET_KEY: services.s3.secretKey,
      CUTLINE_NATS_URL: services.natsUrl,
      CUTLINE_OPERATOR_ID: identity,
      CUTLINE_OPERATOR_PORT: String(port),
      CUTLINE_OPERATOR_LEASE: '3s',
      CUTLINE_JOB_BACKOFF_LIMIT: '1',
    };
    const child = spawn(process.execPath, [MAIN, 'operator'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    const leader = async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { leader: boolean }).leader;
    return { child, leader, log: () => log };
  }

  it('a killed leader is replaced by the other replica: no duplicate Jobs, no lost status, pod progress recorded', async () => {
    // Hand the Lease over from the in-process operator to two operator processes.
    await operator.stop();
    const root = await mkdtemp(join(tmpdir(), 'cutline-replicas-'));
    const kubeconfig = join(root, 'kubeconfig');
    await writeFile(kubeconfig, (await serviceAccountConfig()).exportConfig(), { mode: 0o600 });
    const a = await startReplica('replica-a', kubeconfig, await freePort());
    const b = await startReplica('replica-b', kubeconfig, await freePort());
    try {
      // Both must answer: one that is not listening yet is not a standby (and a.leader() below would fail).
      const leads = (replica: typeof a) => replica.leader().catch(() => undefined);
      await waitFor(
        async () => {
          const [x, y] = [await leads(a), await leads(b)];
          return x !== undefined && y !== undefined && x !== y;
        },
        `one leader (${a.log()} | ${b.log()})`,
        30_000,
      );
      const [leader, standby] = (await a.leader()) ? [a, b] : [b, a];

      const owner = await account('Replicas', 'pro');
      const first = await submit(owner, 'Started under the first leader.');
      const firstJob = await renderJobOf(first);
      const firstPod = await runningPod(firstJob.metadata.name!);
      await renderState(first, 'running');

      leader.child.kill('SIGKILL');
      // While nobody leads: the first render ends, and a second one is handed to the cluster.
      await finishPod(
        firstPod,
        2,
        JSON.stringify({ code: 'CUTLINE_VIDEO_UNDECODABLE', message: 'Ended while no operator ran.' }),
      );
      const second = await submit(owner, 'Handed over with no operator.');
      const secondJob = await renderJobOf(second);

      await waitFor(() => standby.leader(), 'the standby to take over', 30_000);
      expect((await renderState(first, 'failed')).errorMessage).toBe('Ended while no operator ran.');
      const secondPod = await runningPod(secondJob.metadata.name!);
      // The pod reports its progress to the API, which puts it on the bus; the new leader records it on the render.
      await renderState(second, 'running');
      const reported = await fetch(`${t.baseUrl}/v1/internal/renders/${second}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${eventTokens.issue(second)}` },
        body: JSON.stringify({
          type: 'progress',
          renderId: second,
          stage: 'encoding',
          progress: 0.42,
          stageProgress: 0.5,
          etaSeconds: 3,
          at: new Date().toISOString(),
        }),
      });
      expect(reported.status).toBe(204);
      await waitFor(
        async () => (await t.db.render.findUnique({ where: { id: second } }))?.progress === 0.42,
        'the leader to record the pod’s progress',
        15_000,
      );
      await finishPod(secondPod, 2, JSON.stringify({ code: 'CUTLINE_VIDEO_UNDECODABLE', message: 'Second.' }));
      await renderState(second, 'failed');

      for (const rj of [firstJob, secondJob]) {
        const jobs = await batch.listNamespacedJob({
          namespace: NAMESPACE,
          labelSelector: `cutline.dev/render-job=${rj.metadata.name}`,
        });
        expect(jobs.items.map((j) => j.metadata!.name)).toEqual([rj.metadata.name]);
      }
      const failedEvents = await t.db.outboxEvent.findMany({
        where: { subject: { in: [`cutline.renders.${first}.state`, `cutline.renders.${second}.state`] } },
      });
      expect(failedEvents.filter((e) => (e.payload as { state: string }).state === 'failed')).toHaveLength(2);
      expect(await reserved(owner)).toEqual({ reserved: 0, committed: 0 });
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
