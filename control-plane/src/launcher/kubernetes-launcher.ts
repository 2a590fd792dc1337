/**
 * The Kubernetes launcher (DESIGN §3, §7): an admitted render becomes a RenderJob in the
 * cluster, written with server-side apply under a deterministic name, so a dispatch repeated
 * after a crash can never start a second one. The operator takes it from there and records the
 * outcome; this launcher reports nothing back itself. Capacity is the cluster's: the scheduler
 * queues pods by PriorityClass, so the dispatcher only bounds how many are in flight.
 */
import { poolConnections } from '../kubernetes/connection-pool.js';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { PlanId } from '../domain.js';
import {
  API_VERSION,
  FINALIZER,
  GROUP,
  KIND,
  LABELS,
  PLURAL,
  VERSION,
  renderJobName,
  type RenderJob,
} from '../kubernetes/render-job-resource.js';
import type { Launcher, LaunchHandlers } from './launcher.js';

const LAUNCHER_MANAGER = 'cutline-control-plane';
const APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export interface KubernetesLauncherOptions {
  namespace: string;
  /** Renders handed over but not yet written; bounds memory, not the cluster. */
  maxPending: number;
}

export class KubernetesLauncher implements Launcher {
  /** The launcher reports outcomes through the operator, not through launch handlers. */
  readonly detached = true;
  private readonly api: CustomObjectsApi;
  private pending = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: KubernetesLauncherOptions,
  ) {
    this.api = poolConnections(kubeConfig).makeApiClient(CustomObjectsApi);
  }

  freeSlots(): number {
    return Math.max(0, this.options.maxPending - this.pending);
  }

  async launch(
    render: { id: string; organizationId: string; tier: string; attempts: number; spec: unknown },
    _handlers: LaunchHandlers,
  ): Promise<void> {
    const name = renderJobName(render.id, render.attempts);
    const renderJob: RenderJob = {
      apiVersion: API_VERSION,
      kind: KIND,
      // With the operator's finalizer from the start: the operator then needs no write to add it.
      metadata: {
        name,
        namespace: this.options.namespace,
        labels: {
          [LABELS.render]: render.id,
          [LABELS.organization]: render.organizationId,
          [LABELS.tier]: render.tier,
        },
        finalizers: [FINALIZER],
      },
      spec: {
        tier: render.tier as PlanId,
        renderId: render.id,
        organizationId: render.organizationId,
        render: render.spec as Record<string, unknown>,
      },
    };
    this.pending++;
    try {
      await this.api.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.options.namespace,
          plural: PLURAL,
          name,
          body: renderJob,
          fieldManager: LAUNCHER_MANAGER,
          force: true,
        },
        APPLY,
      );
    } finally {
      this.pending--;
    }
  }

  /** Cancel: the operator sees spec.canceled and deletes the Job (and so its pods). */
  stop(renderId: string): void {
    void this.cancel(renderId);
  }

  async cancel(renderId: string): Promise<void> {
    const selector = `${LABELS.render}=${renderId}`;
    const list = (await this.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.options.namespace,
      plural: PLURAL,
      labelSelector: selector,
    })) as { items: RenderJob[] };
    await Promise.all(
      list.items.map((rj) =>
        this.api.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: this.options.namespace,
            plural: PLURAL,
            name: rj.metadata.name!,
            body: {
              apiVersion: API_VERSION,
              kind: KIND,
              metadata: { name: rj.metadata.name!, namespace: this.options.namespace },
              spec: { canceled: true },
            },
            fieldManager: `${LAUNCHER_MANAGER}-cancel`,
            force: true,
          },
          APPLY,
        ),
      ),
    );
  }

  async close(): Promise<void> {
    // RenderJobs outlive this process: the cluster keeps rendering them.
  }
}
