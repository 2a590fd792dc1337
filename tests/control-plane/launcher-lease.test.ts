/**
 * Several replicas, one database: a replica requeues the renders of a launcher that died, and
 * never those of a live one (the launcher's advisory lock tells them apart).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LauncherLease } from '../../control-plane/src/launcher/launcher-lease.js';
import { planTable } from '../../control-plane/src/plans.js';
import { RenderLifecycle } from '../../control-plane/src/lifecycle/render-lifecycle.js';
import { RenderStatesRepository } from '../../control-plane/src/repositories/render-states-repository.js';
import { UsageRepository } from '../../control-plane/src/repositories/usage-repository.js';
import { ensureCorpus } from '../render/corpus.js';
import { bearer, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(services.postgresUrl);
});
afterAll(() => t?.close());

async function queuedRender(): Promise<string> {
  const corpus = await ensureCorpus();
  const account = await register(t.app, 'Replica');
  const upload = await t.app.inject({
    method: 'POST',
    url: '/v1/assets?kind=video&filename=a.mp4',
    headers: { ...bearer(account.accessToken), 'content-type': 'video/mp4' },
    payload: await readFile(corpus.oneSecond),
  });
  const render = await t.app.inject({
    method: 'POST',
    url: '/v1/renders',
    headers: bearer(account.accessToken),
    payload: { assetId: upload.json<{ id: string }>().id, script: 'Two replicas, one queue.' },
  });
  expect(render.statusCode, render.body).toBe(201);
  return render.json<{ id: string }>().id;
}

describe('launcher leases', () => {
  it("requeues a dead launcher's renders, and never a live one's", async () => {
    const lifecycle = new RenderLifecycle(new RenderStatesRepository(t.db), new UsageRepository(t.db), planTable());
    const id = await queuedRender();
    const a = await LauncherLease.acquire(t.databaseUrl, () => undefined);
    const b = await LauncherLease.acquire(t.databaseUrl, () => undefined);
    try {
      const admitted = await lifecycle.admitNext(new Date(), a.id);
      expect(admitted?.id).toBe(id);
      expect(await t.db.render.findUnique({ where: { id } })).toMatchObject({ state: 'admitted', launcherId: a.id });
      await lifecycle.start(id, new Date());

      // A is alive: B leaves its render alone, and so does A itself.
      expect(await lifecycle.requeueOrphans(new Date(), b.id)).toBe(0);
      expect(await lifecycle.requeueOrphans(new Date(), a.id)).toBe(0);
      expect((await t.db.render.findUnique({ where: { id } }))!.state).toBe('running');

      // A dies (its connection, and with it the lock, goes): B takes the render back.
      await a.release();
      expect(await lifecycle.requeueOrphans(new Date(), b.id)).toBe(1);
      expect(await t.db.render.findUnique({ where: { id } })).toMatchObject({ state: 'queued', launcherId: null });
      const events = await t.db.outboxEvent.findMany({
        where: { subject: `cutline.renders.${id}.state` },
        orderBy: { id: 'asc' },
      });
      expect(
        events.map(
          (e) => (e.payload as { state: string; reason?: string }).reason ?? (e.payload as { state: string }).state,
        ),
      ).toEqual(['queued', 'admitted', 'running', 'requeued']);
      expect(await lifecycle.requeueOrphans(new Date(), b.id)).toBe(0);
    } finally {
      await a.release().catch(() => undefined);
      await b.release();
    }
  });
});
