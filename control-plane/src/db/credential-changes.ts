/**
 * Which organizations' credentials or standing changed, as PostgreSQL announces them at commit
 * (the `cutline_credentials` channel, fed by triggers on api_keys, organizations and
 * subscriptions: migration 20261123160000_credential_changes). One dedicated connection per
 * process LISTENs; whatever keeps credentials between requests (http/api-key-cache.ts) drops
 * an organization's entries on its change, and everything on a reset.
 *
 * A change is only known while the connection is up, so `live` says whether the feed can be
 * trusted. Losing the connection resets (and the feed is not live until it has listened
 * again); a heartbeat catches a connection that died without closing, within
 * `heartbeatMs + heartbeatTimeoutMs`.
 */
import pg from 'pg';

export const CREDENTIALS_CHANNEL = 'cutline_credentials';

export interface CredentialChangeListener {
  /** The organization's keys, plan, suspension or subscription changed. */
  changed(organizationId: string): void;
  /** Changes may have been missed (connection lost or re-established, a table truncated). */
  reset(): void;
}

export interface CredentialChangeOptions {
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** Delay before reconnecting after a loss; doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  log?: (message: string) => void;
}

export class CredentialChanges {
  private readonly listeners = new Set<CredentialChangeListener>();
  private client: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  private nextDelayMs: number;
  private isLive = false;

  private constructor(
    private readonly databaseUrl: string,
    private readonly options: Required<Omit<CredentialChangeOptions, 'log'>> & Pick<CredentialChangeOptions, 'log'>,
  ) {
    this.nextDelayMs = options.reconnectMs;
  }

  /** Connects and listens; resolves once live, or rejects when the first connection fails. */
  static async start(databaseUrl: string, options: CredentialChangeOptions = {}): Promise<CredentialChanges> {
    const feed = new CredentialChanges(databaseUrl, {
      heartbeatMs: options.heartbeatMs ?? 2_000,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 2_000,
      reconnectMs: options.reconnectMs ?? 500,
      maxReconnectMs: options.maxReconnectMs ?? 15_000,
      log: options.log,
    });
    try {
      await feed.connect();
    } catch (err) {
      await feed.close();
      throw err;
    }
    return feed;
  }

  /** True while every change is being received. */
  get live(): boolean {
    return this.isLive;
  }

  subscribe(listener: CredentialChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    await this.drop();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'cutline-credential-changes',
      keepAlive: true,
      query_timeout: this.options.heartbeatTimeoutMs,
    });
    client.on('notification', (message) => {
      if (message.channel !== CREDENTIALS_CHANNEL || client !== this.client) return;
      if (message.payload) for (const listener of this.listeners) listener.changed(message.payload);
      else this.resetAll();
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection closed')));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${CREDENTIALS_CHANNEL}`);
    if (client !== this.client) {
      // Lost (a reconnect is scheduled) or closed meanwhile.
      await client.end().catch(() => undefined);
      return;
    }
    this.isLive = true;
    this.nextDelayMs = this.options.reconnectMs;
    this.resetAll(); // nothing was known while it was not live; start from empty
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: unknown) => this.lost(client, err as Error));
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client, err: Error): void {
    if (client !== this.client) return;
    this.isLive = false;
    this.resetAll();
    void this.drop();
    if (this.closed) return;
    this.options.log?.(`credential changes: ${err.message}; keeping no credentials until reconnected`);
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.options.maxReconnectMs);
    this.reconnect = setTimeout(() => {
      if (this.closed) return;
      this.connect().catch((cause: unknown) => {
        if (this.client) this.lost(this.client, cause as Error);
      });
    }, delay);
    this.reconnect.unref();
  }

  private async drop(): Promise<void> {
    this.isLive = false;
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private resetAll(): void {
    for (const listener of this.listeners) listener.reset();
  }
}
