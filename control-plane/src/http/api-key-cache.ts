/**
 * Verified API keys kept between requests, for as long as nothing about them can have changed:
 * entries live only while the credential-change feed is live (db/credential-changes.ts), an
 * organization's entries go when PostgreSQL announces a change to its keys, plan, suspension or
 * subscription, and all go when the feed resets. So a revoked key or a suspended organization
 * is refused as soon as this process hears of the commit (at once when it made the change).
 *
 * Without it every API-key request reads its key and organization again: one round trip, and
 * at 1,000 submissions/s about an eighth of the API's CPU (bench/results/control-plane.md).
 * Only keys found active are kept; an unknown prefix is read every time.
 */
import type { CredentialChanges } from '../db/credential-changes.js';
import type { ActiveApiKey } from '../repositories/api-keys-repository.js';

export class ApiKeyCache {
  private readonly entries = new Map<string, ActiveApiKey>();
  /** Bumped by every change: a read that overlapped one may predate it and is not kept. */
  private generation = 0;

  constructor(
    private readonly feed: Pick<CredentialChanges, 'live' | 'subscribe'>,
    private readonly maxEntries = 10_000,
  ) {
    feed.subscribe({
      changed: (organizationId) => this.forget(organizationId),
      reset: () => {
        this.generation++;
        this.entries.clear();
      },
    });
  }

  /** The key with this prefix, kept or read with `read` (and kept when that is safe). */
  async get(prefix: string, read: () => Promise<ActiveApiKey | undefined>): Promise<ActiveApiKey | undefined> {
    if (this.feed.live) {
      const kept = this.entries.get(prefix);
      if (kept) return kept;
    }
    const generation = this.generation;
    const key = await read();
    if (key && this.feed.live && generation === this.generation) {
      // Oldest first out: a Map iterates in insertion order.
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(prefix, key);
    }
    return key;
  }

  /**
   * Drops the organization's keys. The feed does it when PostgreSQL announces a change; the
   * routes that make one call it too, so this process never answers from before its own write.
   */
  forget(organizationId: string): void {
    this.generation++;
    for (const [prefix, key] of this.entries) if (key.organizationId === organizationId) this.entries.delete(prefix);
  }

  get size(): number {
    return this.entries.size;
  }
}
