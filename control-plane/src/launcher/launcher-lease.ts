/**
 * A launcher instance's liveness as PostgreSQL sees it: a session advisory lock held on a
 * dedicated connection for the life of the process. The renders an instance admits carry its
 * id (renders.launcher_id); when the process dies its connection closes and the lock goes, so
 * any other replica can tell those renders are orphans (RenderLifecycle.requeueOrphans)
 * while the renders of live replicas are left alone.
 *
 * A lost connection (PostgreSQL restarted, the network dropped) is not the end of the process:
 * the lease reports it lost, so the work it guards pauses, then connects again with backoff
 * and takes the same lock, and reports it held again.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';

/** First key of the two-key advisory lock, so launcher locks never meet other advisory locks. */
export const LAUNCHER_LOCK_CLASS = 0x4c41; // "LA"

export interface LeaseEvents {
  /** The connection, and with it the lock, is gone: stop starting what the lease guards. */
  onLost: (err: Error) => void;
  /** Held again after a loss. */
  onRegained?: () => void;
  /** Delay before reconnecting after a loss; doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
}

export class LauncherLease {
  private client: pg.Client | undefined;
  private released = false;
  private retry: NodeJS.Timeout | undefined;
  private delayMs: number;

  private constructor(
    readonly id: string,
    private readonly databaseUrl: string,
    private readonly events: LeaseEvents,
  ) {
    this.delayMs = events.reconnectMs ?? 500;
  }

  /** Takes the lock (the first time, failing if it cannot); keeps it until release(). */
  static async acquire(
    databaseUrl: string,
    events: LeaseEvents | ((err: Error) => void),
    id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  ): Promise<LauncherLease> {
    const lease = new LauncherLease(id, databaseUrl, typeof events === 'function' ? { onLost: events } : events);
    await lease.connect();
    return lease;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: `cutline-launcher ${this.id}`.slice(0, 63),
      keepAlive: true,
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection closed')));
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LAUNCHER_LOCK_CLASS, this.id]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.released) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delayMs = this.events.reconnectMs ?? 500;
  }

  private lost(client: pg.Client, err: Error): void {
    if (client !== this.client || this.released) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.events.onLost(err);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.events.maxReconnectMs ?? 15_000);
    this.retry = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.client) this.events.onRegained?.();
        },
        () => {
          if (!this.released) this.reconnectLater();
        },
      );
    }, delay);
    this.retry.unref();
  }

  async release(): Promise<void> {
    this.released = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }
}
