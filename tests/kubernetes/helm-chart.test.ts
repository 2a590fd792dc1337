/**
 * The Helm chart (charts/cutline) against a real Kubernetes control plane: it lints, refuses
 * bad values with the key's name, installs with `--wait` (kwok runs the API and operator pods),
 * keeps a generated JWT secret across upgrades, and uninstalls cleanly. The chart's CRD and
 * Role must stay identical to crds/ and manifests/, which the operator's tests run under.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubernetes, toolsDir, type KubernetesCluster } from '../fixture/kubernetes.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'cutline');
const NAMESPACE = 'cutline-helm';
const CREDENTIALS = [
  '--set',
  'credentials.databaseUrl=postgres://cutline:secret@postgres:5432/cutline',
  '--set',
  'credentials.s3AccessKey=cutline',
  '--set',
  'credentials.s3SecretKey=cutline-secret',
];

let cluster: KubernetesCluster;

async function helm(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(
      join(toolsDir(), 'bin', 'helm'),
      [...args, `--kubeconfig=${cluster?.kubeconfigPath ?? '/dev/null'}`],
      { maxBuffer: 16 << 20 },
    );
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args[0]}: ${e.stderr || e.stdout || String(err)}`);
  }
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}
type Manifest = { kind: string; metadata: { name: string }; rules?: Rule[]; data?: Record<string, string> };

function documents(yaml: string): Manifest[] {
  return (loadAllYaml(yaml) as Array<Manifest | null>).filter((d): d is Manifest => Boolean(d));
}

beforeAll(async () => {
  cluster = await startKubernetes();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('the Helm chart', () => {
  it('ships the same CRD and Role as crds/ and manifests/', async () => {
    const [chartCrd, crd] = await Promise.all([
      readFile(join(CHART, 'crds', 'renderjobs.cutline.dev.yaml'), 'utf8'),
      readFile(join(ROOT, 'crds', 'renderjobs.cutline.dev.yaml'), 'utf8'),
    ]);
    expect(chartCrd).toBe(crd);

    const rendered = documents(await helm(['template', 'cutline', CHART, '-n', NAMESPACE, ...CREDENTIALS]));
    const chartRole = rendered.find((d) => d.kind === 'Role')!;
    const manifestRole = documents(await readFile(join(ROOT, 'manifests', 'rbac.yaml'), 'utf8')).find(
      (d) => d.kind === 'Role',
    )!;
    expect(chartRole.rules).toEqual(manifestRole.rules);
    const priorityClasses = rendered.filter((d) => d.kind === 'PriorityClass').map((d) => d.metadata.name);
    expect(priorityClasses).toEqual([
      'cutline-free',
      'cutline-starter',
      'cutline-pro',
      'cutline-business',
      'cutline-enterprise',
    ]);
  });

  it('lints clean', async () => {
    const out = await helm(['lint', CHART, '--strict', ...CREDENTIALS]);
    expect(out).toContain('0 chart(s) failed');
  });

  it('refuses bad values, naming the key', async () => {
    await expect(helm(['template', 'cutline', CHART])).rejects.toThrow(/credentials\.databaseUrl is required/);
    await expect(helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'api.replica=3'])).rejects.toThrow(
      /additional properties 'replica' not allowed/,
    );
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'operator.jobBackoffLimit=9']),
    ).rejects.toThrow(/jobBackoffLimit/);
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'config.objectStore.endpoint=minio:9000']),
    ).rejects.toThrow(/objectStore\/endpoint|endpoint/);
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'api.ingress.enabled=true']),
    ).rejects.toThrow(/api\.ingress\.host is required/);
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'config.apiKeyCache=sometimes']),
    ).rejects.toThrow(/apiKeyCache/);
  });

  it('keeps API keys between requests unless told the database is behind a pooler without LISTEN', async () => {
    const setting = async (...set: string[]) => {
      const config = documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS, ...set])).find(
        (d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-config'),
      );
      return config?.data?.CUTLINE_API_KEY_CACHE;
    };
    expect(await setting()).toBe('true');
    expect(await setting('--set', 'config.apiKeyCache=false')).toBe('false');
  });

  it('mounts a claim of extra voices read-only in the API and names it for render pods', async () => {
    const render = async (...set: string[]) =>
      documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS, ...set]));
    const without = await render();
    const config = (docs: typeof without) =>
      docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-config'))?.data ?? {};
    expect(config(without).CUTLINE_RENDER_VOICES_CLAIM).toBeUndefined();
    const withVoices = await render('--set', 'render.voicesClaim=cutline-voices');
    expect(config(withVoices).CUTLINE_RENDER_VOICES_CLAIM).toBe('cutline-voices');
    type PodSpec = {
      volumes: unknown[];
      containers: Array<{ name: string; env: unknown[]; volumeMounts: unknown[] }>;
    };
    const deployment = withVoices.find(
      (d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-api'),
    ) as Manifest & {
      spec: { template: { spec: PodSpec } };
    };
    const api = deployment.spec.template.spec;
    expect(api.volumes).toContainEqual({
      name: 'voices',
      persistentVolumeClaim: { claimName: 'cutline-voices', readOnly: true },
    });
    const container = api.containers.find((c) => c.name === 'api')!;
    expect(container.volumeMounts).toContainEqual({ name: 'voices', mountPath: '/voices', readOnly: true });
    expect(container.env).toContainEqual({ name: 'CUTLINE_VOICES_DIR', value: '/voices:/usr/share/cutline/voices' });
    await expect(render('--set', 'render.voicesClaim=Not_A_Name')).rejects.toThrow(/voicesClaim/);
  });

  it('keeps render pods off NATS and the API off everything it does not use', async () => {
    type Policy = Manifest & {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        egress: Array<{
          to: Array<{
            podSelector?: { matchLabels: Record<string, string> };
            ipBlock?: { cidr: string; except?: string[] };
          }>;
        }>;
      };
    };
    const policies = documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS])).filter(
      (d) => d.kind === 'NetworkPolicy',
    ) as Policy[];
    const reach = (app: string) =>
      policies
        .find((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/name'] === app)!
        .spec.egress.flatMap((rule) =>
          rule.to.map(
            (to) =>
              to.podSelector?.matchLabels['app.kubernetes.io/name'] ??
              to.podSelector?.matchLabels['k8s-app'] ??
              `${to.ipBlock!.cidr}${to.ipBlock!.except ? ' but private' : ''}`,
          ),
        );
    expect(reach('cutline-render')).toEqual(['kube-dns', 'minio', 'cutline-api', '0.0.0.0/0 but private']);
    expect(reach('cutline-api')).toEqual([
      'kube-dns',
      'minio',
      'nats',
      'postgresql',
      '10.0.0.1/32',
      '0.0.0.0/0 but private',
    ]);
    const config = documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS])).find(
      (d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-config'),
    ) as Manifest & { data: Record<string, string> };
    expect(config.data.CUTLINE_RENDER_EVENTS_URL).toBe('http://cutline-api.default.svc:80');
  });

  it('trusts forwarded addresses only from where its Ingress runs, unless told otherwise', async () => {
    type Deployment = Manifest & {
      spec: {
        template: { spec: { containers: Array<{ name: string; env: Array<{ name: string; value?: string }> }> } };
      };
    };
    const trusted = async (...set: string[]) => {
      const deployment = documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS, ...set])).find(
        (d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-api'),
      ) as Deployment;
      return deployment.spec.template.spec.containers
        .find((c) => c.name === 'api')!
        .env.find((e) => e.name === 'CUTLINE_TRUST_PROXY')?.value;
    };
    expect(await trusted()).toBe('false');
    expect(await trusted('--set', 'api.ingress.enabled=true', '--set', 'api.ingress.host=cutline.example.com')).toBe(
      'loopback,uniquelocal',
    );
    expect(await trusted('--set', 'api.trustProxy=10.2.0.0/16')).toBe('10.2.0.0/16');
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'api.trustProxy=everyone']),
    ).rejects.toThrow(/trustProxy/);
  });

  it('gives the API its shutdown grace period, and Kubernetes 20 s more before SIGKILL', async () => {
    type Deployment = Manifest & {
      spec: {
        template: {
          spec: {
            terminationGracePeriodSeconds: number;
            containers: Array<{ name: string; env: Array<{ name: string; value?: string }> }>;
          };
        };
      };
    };
    const api = async (...set: string[]) => {
      const deployment = documents(await helm(['template', 'cutline', CHART, ...CREDENTIALS, ...set])).find(
        (d) => d.kind === 'Deployment' && d.metadata.name.endsWith('-api'),
      ) as Deployment;
      const pod = deployment.spec.template.spec;
      return {
        kill: pod.terminationGracePeriodSeconds,
        grace: pod.containers.find((c) => c.name === 'api')!.env.find((e) => e.name === 'CUTLINE_SHUTDOWN_GRACE')
          ?.value,
      };
    };
    expect(await api()).toEqual({ kill: 30, grace: '10s' });
    expect(await api('--set', 'api.shutdownGraceSeconds=45')).toEqual({ kill: 65, grace: '45s' });
    await expect(
      helm(['template', 'cutline', CHART, ...CREDENTIALS, '--set', 'api.shutdownGraceSeconds=601']),
    ).rejects.toThrow(/shutdownGraceSeconds/);
  });

  it('installs into a real cluster and waits for the API and operator, keeps its JWT secret on upgrade, uninstalls', async () => {
    await cluster.kubectl(['create', 'namespace', NAMESPACE]);
    await cluster.kubectl(['label', 'namespace', NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']);
    await helm(['install', 'cutline', CHART, '-n', NAMESPACE, '--wait', '--timeout', '3m', ...CREDENTIALS]);

    // The restricted namespace admitted every pod, and kwok made them all ready.
    const deployments = JSON.parse(await cluster.kubectl(['-n', NAMESPACE, 'get', 'deployments', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; status: { readyReplicas?: number } }>;
    };
    expect(Object.fromEntries(deployments.items.map((d) => [d.metadata.name, d.status.readyReplicas]))).toEqual({
      'cutline-api': 2,
      'cutline-operator': 2,
    });
    const crd = await cluster.kubectl(['get', 'crd', 'renderjobs.cutline.dev', '-o', 'name']);
    expect(crd.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/renderjobs.cutline.dev');

    // Each of the chart's ServiceAccounts can do what its program needs, and no more.
    const can = async (account: string, verb: string, resource: string) =>
      (
        await cluster
          .kubectl([
            'auth',
            'can-i',
            verb,
            resource,
            '-n',
            NAMESPACE,
            `--as=system:serviceaccount:${NAMESPACE}:${account}`,
          ])
          .catch((e: Error) => e.message)
      ).trim();
    expect(await can('cutline-operator', 'create', 'jobs.batch')).toBe('yes');
    expect(await can('cutline-operator', 'list', 'secrets')).toMatch(/no/);
    expect(await can('cutline-operator', 'create', 'pods')).toMatch(/no/);
    expect(await can('cutline-api', 'create', 'renderjobs.cutline.dev')).toBe('yes');
    expect(await can('cutline-api', 'create', 'jobs.batch')).toMatch(/no/);
    expect(await can('cutline-api', 'get', 'secrets')).toMatch(/no/);
    const pods = JSON.parse(await cluster.kubectl(['-n', NAMESPACE, 'get', 'pods', '-o', 'json'])) as {
      items: Array<{ metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string } }>;
    };
    expect(
      [
        ...new Set(
          pods.items.map((p) => `${p.metadata.labels['app.kubernetes.io/name']}=${p.spec.serviceAccountName}`),
        ),
      ].sort(),
    ).toEqual(['cutline-api=cutline-api', 'cutline-operator=cutline-operator']);

    const jwtSecret = async () => {
      const secret = JSON.parse(
        await cluster.kubectl(['-n', NAMESPACE, 'get', 'secret', 'cutline-credentials', '-o', 'json']),
      ) as { data: Record<string, string> };
      return Buffer.from(secret.data.CUTLINE_JWT_SECRET!, 'base64').toString();
    };
    const generated = await jwtSecret();
    expect(generated).toMatch(/^[A-Za-z0-9]{48}$/);
    await helm([
      'upgrade',
      'cutline',
      CHART,
      '-n',
      NAMESPACE,
      '--wait',
      '--timeout',
      '3m',
      ...CREDENTIALS,
      '--set',
      'config.logLevel=debug',
    ]);
    expect(await jwtSecret()).toBe(generated);
    const config = JSON.parse(
      await cluster.kubectl(['-n', NAMESPACE, 'get', 'configmap', 'cutline-config', '-o', 'json']),
    ) as Manifest;
    expect(config.data).toMatchObject({
      LOG_LEVEL: 'debug',
      CUTLINE_LAUNCHER: 'kubernetes',
      CUTLINE_RENDER_IMAGE: 'cutline/render-job:0.1.0',
    });

    await helm(['uninstall', 'cutline', '-n', NAMESPACE, '--wait']);
    const left = await cluster.kubectl([
      '-n',
      NAMESPACE,
      'get',
      'deployments,services,secrets,roles,serviceaccounts',
      '-l',
      'app.kubernetes.io/instance=cutline',
      '-o',
      'name',
    ]);
    expect(left.trim()).toBe('');
    // Helm never deletes CRDs (that would delete every RenderJob); the PriorityClasses go.
    expect(
      (await cluster.kubectl(['get', 'priorityclasses', '-o', 'name']))
        .trim()
        .split('\n')
        .filter((n) => n.includes('cutline')),
    ).toEqual([]);
  }, 300_000);
});
