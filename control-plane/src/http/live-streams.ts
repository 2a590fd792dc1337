/**
 * The long-lived responses (Server-Sent Events) that outlast the request that authenticated
 * them. A stream is ended when its credentials stop being valid: an API key revoked, a member
 * removed, an organization's standing changed. Changes made in this process and those
 * PostgreSQL announces (db/credential-changes.ts) re-check the organization's streams at once;
 * a periodic re-check covers a replica that cannot hear the announcements.
 */
import type { Principal } from '../domain.js';
import type { CredentialChanges } from '../db/credential-changes.js';

export type CredentialCheck = (principal: Principal) => Promise<boolean>;

interface OpenStream {
  principal: Principal;
  end: () => void;
}

export class LiveStreams {
  private readonly byOrganization = new Map<string, Set<OpenStream>>();
  private readonly timer: NodeJS.Timeout;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly stillValid: CredentialCheck,
    options: {
      recheckMs?: number;
      feed?: Pick<CredentialChanges, 'subscribe'> | undefined;
      log?: (err: unknown) => void;
    } = {},
  ) {
    this.log = options.log ?? (() => undefined);
    this.timer = setInterval(() => void this.recheckAll(), options.recheckMs ?? 30_000);
    this.timer.unref();
    this.unsubscribe = options.feed?.subscribe({
      changed: (organizationId) => void this.recheck(organizationId),
      reset: () => void this.recheckAll(),
    });
  }

  private readonly log: (err: unknown) => void;

  /** Registers an open stream; the returned function forgets it (call it when it closes). */
  add(principal: Principal, end: () => void): () => void {
    const stream = { principal, end };
    let streams = this.byOrganization.get(principal.organizationId);
    if (!streams) this.byOrganization.set(principal.organizationId, (streams = new Set()));
    streams.add(stream);
    return () => {
      streams.delete(stream);
      if (streams.size === 0 && this.byOrganization.get(principal.organizationId) === streams)
        this.byOrganization.delete(principal.organizationId);
    };
  }

  /** Ends the organization's streams whose credentials are no longer valid. */
  async recheck(organizationId: string): Promise<void> {
    const streams = [...(this.byOrganization.get(organizationId) ?? [])];
    await Promise.all(
      streams.map(async (stream) => {
        try {
          if (!(await this.stillValid(stream.principal))) stream.end();
        } catch (err) {
          // The database may be away for a moment: keep the stream, check again next time.
          this.log(err);
        }
      }),
    );
  }

  async recheckAll(): Promise<void> {
    await Promise.all([...this.byOrganization.keys()].map((organizationId) => this.recheck(organizationId)));
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }
}
