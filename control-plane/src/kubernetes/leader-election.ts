/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does:
 * a candidate takes the Lease when it is free or its holder has not renewed it for a lease
 * duration (measured on this candidate's own clock, from when it last saw the record change,
 * so clock skew between nodes does not matter); the leader renews it, and stops leading when
 * it cannot renew within the renew deadline. Optimistic concurrency (resourceVersion) makes
 * two candidates' simultaneous takeovers conflict, so at most one wins.
 */
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  /** A leader that has not renewed for this long steps down (shorter than the lease duration). */
  renewDeadlineMs: number;
  /** How often candidates try and the leader renews. */
  retryPeriodMs: number;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private observedKey = '';
  private observedAt = 0;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly options: LeaderElectionOptions,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.tryAcquireOrRenew();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.options.retryPeriodMs);
    };
    void loop();
  }

  /** Stops campaigning; a leader hands the Lease back so a successor need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity === this.options.identity) {
        lease.spec = {
          ...lease.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: new V1MicroTime(),
        };
        await this.api.replaceNamespacedLease({
          name: this.options.name,
          namespace: this.options.namespace,
          body: lease,
        });
      }
    } catch {
      // The successor will take it over after the lease duration.
    }
    await this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { name, namespace, identity } = this.options;
    const now = new V1MicroTime();
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
      }
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.options.leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return this.becameLeader(now);
      }
      const spec = lease.spec ?? {};
      const key = `${spec.holderIdentity ?? ''}/${String(spec.renewTime ?? '')}`;
      if (key !== this.observedKey) {
        this.observedKey = key;
        this.observedAt = now.getTime();
      }
      const held = Boolean(spec.holderIdentity) && spec.holderIdentity !== identity;
      const expired =
        this.observedAt + (spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000 < now.getTime();
      if (held && !expired) {
        if (this.leading) await this.lostLeadership('another replica holds the lease');
        return;
      }
      const takingOver = spec.holderIdentity !== identity;
      lease.spec = {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.options.leaseDurationSeconds,
        renewTime: now,
        ...(takingOver ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
      };
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      this.becameLeader(now);
    } catch (err) {
      // 409: another candidate won the race. Anything else: the API is unreachable.
      if (this.leading && Date.now() - this.lastRenew > this.options.renewDeadlineMs) {
        await this.lostLeadership(`could not renew the lease: ${String(err)}`);
      }
    }
  }

  private becameLeader(now: V1MicroTime): void {
    this.lastRenew = now.getTime();
    if (this.leading) return;
    this.leading = true;
    this.options.log?.('became the leader', { lease: this.options.name, identity: this.options.identity });
    void this.options.onStartedLeading();
  }

  private async lostLeadership(reason: string): Promise<void> {
    this.leading = false;
    this.options.log?.('stopped leading', { reason });
    await this.options.onStoppedLeading();
  }
}
