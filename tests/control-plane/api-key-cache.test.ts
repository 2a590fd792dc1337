/**
 * Verified API keys kept between requests (http/api-key-cache.ts) while PostgreSQL announces
 * every change to them (db/credential-changes.ts): a key is read once, and again after any
 * change to it or its organization, by this process or by another one writing the database
 * (here, plain SQL: another replica, an operator's script).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CredentialChanges } from '../../control-plane/src/db/credential-changes.js';
import { ApiKeyCache } from '../../control-plane/src/http/api-key-cache.js';
import { ApiKeysRepository, type ActiveApiKey } from '../../control-plane/src/repositories/api-keys-repository.js';
import { waitFor } from '../fixture/ports.js';
import { bearer, errorCode, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;
let sql: pg.Client;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' }, {}, { credentialChanges: true });
  sql = new pg.Client({ connectionString: t.databaseUrl });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

async function organizationWithKey(
  name: string,
  scopes?: string[],
): Promise<{ organizationId: string; owner: string; key: string; keyId: string; prefix: string }> {
  const owner = await register(t.app, name);
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(owner.accessToken),
    payload: { name: 'CI', ...(scopes ? { scopes } : {}) },
  });
  expect(created.statusCode, created.body).toBe(201);
  const { key, apiKey } = created.json<{ key: string; apiKey: { id: string; prefix: string } }>();
  return {
    organizationId: owner.organizationId,
    owner: owner.accessToken,
    key,
    keyId: apiKey.id,
    prefix: apiKey.prefix,
  };
}

/** A submission that reaches the suspension check and, when it passes, fails on the missing asset. */
async function submit(key: string): Promise<string | undefined> {
  return errorCode(
    await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: bearer(key),
      payload: { assetId: randomUUID(), script: 'Hello.' },
    }),
  );
}

describe('API keys kept between requests', () => {
  it('a key revoked here is refused at once, and one revoked by another writer as soon as its commit is announced', async () => {
    const a = await organizationWithKey('Cached A');
    const me = () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(a.key) });
    expect((await me()).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(200);

    const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${a.keyId}`, headers: bearer(a.owner) });
    expect(revoked.statusCode).toBe(204);
    expect(errorCode(await me())).toBe('CUTLINE_UNAUTHENTICATED');

    const b = await organizationWithKey('Cached B');
    const meB = () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(b.key) });
    expect((await meB()).statusCode).toBe(200);
    await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [b.keyId]);
    await waitFor(async () => (await meB()).statusCode === 401, 'the revoked key refused', 5_000);
  });

  it("an organization suspended, or a key's scopes narrowed, by another writer applies to its kept keys", async () => {
    const c = await organizationWithKey('Cached C');
    expect(await submit(c.key)).toBe('CUTLINE_NOT_FOUND');
    await sql.query('UPDATE organizations SET suspended_at = now() WHERE id = $1', [c.organizationId]);
    await waitFor(async () => (await submit(c.key)) === 'CUTLINE_SUSPENDED', 'the suspension applied', 5_000);
    await sql.query('UPDATE organizations SET suspended_at = NULL WHERE id = $1', [c.organizationId]);
    await waitFor(async () => (await submit(c.key)) === 'CUTLINE_NOT_FOUND', 'the suspension lifted', 5_000);

    await sql.query(`UPDATE api_keys SET scopes = '{renders:read}' WHERE id = $1`, [c.keyId]);
    await waitFor(async () => (await submit(c.key)) === 'CUTLINE_FORBIDDEN', 'the narrower scopes applied', 5_000);
  });
});

describe('ApiKeyCache on the live feed', () => {
  let feed: CredentialChanges;
  const heard: string[] = [];
  beforeAll(async () => {
    feed = await CredentialChanges.start(t.databaseUrl, { reconnectMs: 50 });
    feed.subscribe({ changed: (id) => heard.push(id), reset: () => heard.push('reset') });
  });
  afterAll(() => feed?.close());

  const repository = () => new ApiKeysRepository(t.db);
  function counted(prefix: string): { read: () => Promise<ActiveApiKey | undefined>; reads: () => number } {
    let reads = 0;
    return { read: async () => (reads++, (await repository().findActiveByPrefixes([prefix]))[0]), reads: () => reads };
  }
  const announced = (what: string) => waitFor(async () => heard.includes(what), `PostgreSQL announced ${what}`, 5_000);
  /** Creating a key is a change too; a read that overlapped its announcement would not be kept. */
  async function settledOrganizationWithKey(name: string) {
    const created = await organizationWithKey(name);
    await announced(created.organizationId);
    return created;
  }

  it("reads a key once, again after its organization changes, and not after another organization's change", async () => {
    const cache = new ApiKeyCache(feed);
    const d = await settledOrganizationWithKey('Feed D');
    const other = await settledOrganizationWithKey('Feed E');
    const key = counted(d.prefix);
    expect((await cache.get(d.prefix, key.read))?.organizationId).toBe(d.organizationId);
    expect((await cache.get(d.prefix, key.read))?.organizationId).toBe(d.organizationId);
    expect(key.reads()).toBe(1);

    heard.length = 0;
    await sql.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [other.organizationId]);
    await announced(other.organizationId);
    await cache.get(d.prefix, key.read);
    expect(key.reads()).toBe(1);

    await sql.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [d.organizationId]);
    await announced(d.organizationId);
    expect((await cache.get(d.prefix, key.read))?.standing.organization.plan).toBe('pro');
    expect(key.reads()).toBe(2);

    // Recording use (last_used_at) is not a change.
    heard.length = 0;
    await sql.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [d.keyId]);
    await sql.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [other.organizationId]);
    await announced(other.organizationId);
    expect(heard).toEqual([other.organizationId]);
  });

  it('does not keep a read that overlapped a change (it may be from before it)', async () => {
    const cache = new ApiKeyCache(feed);
    const f = await settledOrganizationWithKey('Feed F');
    let reads = 0;
    const readAcrossARevocation = async () => {
      reads++;
      const before = (await repository().findActiveByPrefixes([f.prefix]))[0];
      if (reads === 1) {
        heard.length = 0;
        await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [f.keyId]);
        await announced(f.organizationId);
      }
      return before;
    };
    expect(await cache.get(f.prefix, readAcrossARevocation)).toBeDefined();
    expect(cache.size).toBe(0);
    expect(await cache.get(f.prefix, readAcrossARevocation)).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('keeps nothing while the feed is down, and keeps again once it has reconnected; TRUNCATE resets', async () => {
    const cache = new ApiKeyCache(feed);
    const g = await settledOrganizationWithKey('Feed G');
    const key = counted(g.prefix);
    await cache.get(g.prefix, key.read);
    expect(cache.size).toBe(1);

    heard.length = 0;
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cutline-credential-changes' AND datname = current_database()`,
    );
    await announced('reset');
    expect(cache.size).toBe(0);
    await waitFor(async () => feed.live, 'the feed reconnected', 10_000);
    await cache.get(g.prefix, key.read);
    await cache.get(g.prefix, key.read);
    expect(cache.size).toBe(1);

    heard.length = 0;
    await sql.query('CREATE TEMP TABLE kept AS SELECT * FROM subscriptions');
    await sql.query('TRUNCATE subscriptions');
    await announced('reset');
    expect(cache.size).toBe(0);
  });

  it('never answers from memory while the feed is not live', async () => {
    let reads = 0;
    const down = { live: false, subscribe: () => () => true };
    const cache = new ApiKeyCache(down);
    const row = { id: 'k', organizationId: 'o', secretHash: 'h', scopes: [], standing: {} } as unknown as ActiveApiKey;
    await cache.get('p', async () => (reads++, row));
    await cache.get('p', async () => (reads++, row));
    expect(reads).toBe(2);
    expect(cache.size).toBe(0);
  });
});
