/**
 * A launcher instance's liveness as PostgreSQL sees it: a session advisory lock held on a
 * dedicated connection for the life of the process. The renders an instance admits carry its
 * id (renders.launcher_id); when the process dies its connection closes and the lock goes, so
 * any other replica can tell those renders are orphans (RenderTransitions.requeueOrphans)
 * while the renders of live replicas are left alone.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';

/** First key of the two-key advisory lock, so launcher locks never meet other advisory locks. */
export const LAUNCHER_LOCK_CLASS = 0x4c41; // "LA"

export class LauncherLease {
  private constructor(
    readonly id: string,
    private readonly client: pg.Client,
  ) {}

  /** Takes the lock; `onLost` is called if the connection (and with it the lock) is lost. */
  static async acquire(databaseUrl: string, onLost: (err: Error) => void, id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`): Promise<LauncherLease> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: `cutline-launcher ${id}`.slice(0, 63) });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LAUNCHER_LOCK_CLASS, id]);
    const lease = new LauncherLease(id, client);
    client.on('error', (err) => {
      if (!lease.released) onLost(err);
    });
    return lease;
  }

  private released = false;

  async release(): Promise<void> {
    this.released = true;
    await this.client.end();
  }
}
