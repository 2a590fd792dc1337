/**
 * The sweeper keeps no transaction open while it talks to the object store (issue 21's
 * review): with a store that takes its time to delete, PostgreSQL never sees the sweeper's
 * connection idle inside a transaction, and what is due is still deleted, records after objects.
 */
import { OutputsRepository } from '../../control-plane/src/repositories/outputs-repository.js';
import { RetentionRepository } from '../../control-plane/src/repositories/retention-repository.js';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Sweeper } from '../../control-plane/src/workers/sweeper.js';
import type { ObjectStore } from '../../control-plane/src/storage/object-store.js';
import { bearer, register, startApp, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
});
afterAll(() => t?.close());

/** The real store, with every delete taking 100 ms (a slow or distant S3). */
function slowDeletes(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'delete') return Reflect.get(target, property, receiver) as unknown;
      return async (key: string) => {
        await new Promise((r) => setTimeout(r, 100));
        return target.delete(key);
      };
    },
  });
}

describe('sweeper', () => {
  it('deletes what is due without holding a transaction open around object-store calls', async () => {
    const owner = await register(t.app, 'Sweep slowly');
    const asset = await uploadVideo(t.app, owner.accessToken);
    const render = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/renders',
        headers: bearer(owner.accessToken),
        payload: { assetId: asset, script: 'Swept.' },
      })
    ).json<{ id: string }>().id;
    await t.db.render.update({
      where: { id: render },
      data: { state: 'succeeded', expiresAt: new Date(Date.now() - 1000) },
    });
    const keys = Array.from({ length: 8 }, (_, i) => `orgs/${owner.organizationId}/renders/${render}/file-${i}.bin`);
    for (const key of keys) {
      await t.store.put(key, Readable.from([Buffer.from('x')]), {
        contentType: 'application/octet-stream',
        maxBytes: 10,
      });
      await t.db.renderOutput.create({
        data: {
          id: randomUUID(),
          renderId: render,
          kind: 'video',
          name: key,
          objectKey: key,
          bytes: 1n,
          expiresAt: new Date(Date.now() - 1000),
        },
      });
    }
    // Idle in a transaction for longer than a statement's round trip: a delete (100 ms each here)
    // made while a transaction stays open. A transaction caught between two statements is not.
    const idleInTransaction: string[] = [];
    let sweeping = true;
    const watch = (async () => {
      while (sweeping) {
        const rows = await t.db.$queryRaw<Array<{ query: string }>>`
          SELECT query FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()
             AND state_change < clock_timestamp() - interval '50 milliseconds'`;
        idleInTransaction.push(...rows.map((r) => r.query));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = await new Sweeper(
      new RetentionRepository(t.db),
      new OutputsRepository(t.db),
      slowDeletes(t.store),
      t.lifecycle,
    ).sweep(new Date(Date.now() + 2 * 86_400_000));
    sweeping = false;
    await watch;
    expect(idleInTransaction).toEqual([]);
    expect(result.outputsDeleted).toBeGreaterThanOrEqual(keys.length);
    expect(result.rendersExpired).toBeGreaterThanOrEqual(1);
    for (const key of keys) expect(await t.store.stat(key)).toBeUndefined();
    expect(await t.db.renderOutput.count({ where: { renderId: render, deletedAt: null } })).toBe(0);
    expect((await t.db.render.findUnique({ where: { id: render } }))!.state).toBe('expired');
    expect(await t.db.asset.findUnique({ where: { id: asset } })).toMatchObject({ status: 'expired' });
    const events = await t.db.outboxEvent.findMany({ where: { subject: `cutline.renders.${render}.state` } });
    expect(events.filter((e) => (e.payload as { state: string }).state === 'expired')).toHaveLength(1);
  });

  it('empties the prefixes of organizations that no longer exist, and no others', async () => {
    const alive = await register(t.app, 'Still here');
    const gone = randomUUID();
    const keys = [
      `orgs/${gone}/renders/r1/video-9x16.mp4`,
      `uploads/${gone}/a1`,
      `orgs/${alive.organizationId}/renders/r2/video-9x16.mp4`,
      `uploads/${alive.organizationId}/a2`,
    ];
    for (const key of keys)
      await t.store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'video/mp4', maxBytes: 10 });
    const sweeper = new Sweeper(new RetentionRepository(t.db), new OutputsRepository(t.db), t.store, t.lifecycle);
    const result = await sweeper.sweep();
    expect(result.orphanedPrefixesDeleted).toBeGreaterThanOrEqual(2);
    expect(await t.store.stat(keys[0]!)).toBeUndefined();
    expect(await t.store.stat(keys[1]!)).toBeUndefined();
    expect(await t.store.stat(keys[2]!)).toBeDefined();
    expect(await t.store.stat(keys[3]!)).toBeDefined();
  });

  it('prunes the notification log past 30 days, keeping what is still pending', async () => {
    const owner = await register(t.app, 'Old notices');
    const old = new Date(Date.now() - 31 * 86_400_000);
    const endpoint = await t.db.webhookEndpoint.create({
      data: {
        id: randomUUID(),
        organizationId: owner.organizationId,
        url: 'https://93.184.216.34/hook',
        eventTypes: ['render.succeeded'],
        secret: 'whsec_dGVzdA==',
      },
    });
    const delivery = (status: 'succeeded' | 'pending', key: string) =>
      t.db.webhookDelivery.create({
        data: {
          id: randomUUID(),
          endpointId: endpoint.id,
          organizationId: owner.organizationId,
          eventType: 'render.succeeded',
          eventKey: key,
          payload: {},
          status,
          createdAt: old,
        },
      });
    const done = await delivery('succeeded', 'old-done');
    const waiting = await delivery('pending', 'old-waiting');
    await t.db.webhookAttempt.create({ data: { deliveryId: done.id, attempt: 1, latencyMs: 5, at: old } });
    const mail = (status: 'succeeded' | 'pending', key: string) =>
      t.db.mailMessage.create({
        data: {
          id: randomUUID(),
          dedupeKey: key,
          toAddress: owner.email,
          kind: 'x',
          subject: 's',
          text: 't',
          html: 'h',
          status,
          createdAt: old,
        },
      });
    const sent = await mail('succeeded', `old-sent-${owner.userId}`);
    const unsent = await mail('pending', `old-unsent-${owner.userId}`);

    const result = await new Sweeper(
      new RetentionRepository(t.db),
      new OutputsRepository(t.db),
      t.store,
      t.lifecycle,
    ).sweep();
    expect(result.notificationsPruned).toBeGreaterThanOrEqual(2);
    expect(await t.db.webhookDelivery.findUnique({ where: { id: done.id } })).toBeNull();
    expect(await t.db.webhookAttempt.count({ where: { deliveryId: done.id } })).toBe(0);
    expect(await t.db.webhookDelivery.findUnique({ where: { id: waiting.id } })).not.toBeNull();
    expect(await t.db.mailMessage.findUnique({ where: { id: sent.id } })).toBeNull();
    expect(await t.db.mailMessage.findUnique({ where: { id: unsent.id } })).not.toBeNull();
  });
});
