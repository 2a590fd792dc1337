/**
 * A CSV batch is all or nothing against concurrent changes too (issue 21's review): its files
 * are checked again, locked, in the transaction that inserts its renders, so a file expired or
 * deleted after the first check leaves no batch, no render and no quota charged.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, errorCode, register, startApp, type TestApp, uploadVideo } from './app-helper.js';

const services = inject('services');
let t: TestApp;

beforeAll(async () => {
  t = await startApp(services.postgresUrl, { CUTLINE_AUTH_RATE_LIMIT: '10000' });
});
afterAll(() => t?.close());

describe('CSV batches and concurrent deletion', () => {
  it('refuses the whole batch when a file it names goes between the check and the insert', async () => {
    const owner = await register(t.app, 'Batch race');
    await t.db.organization.update({ where: { id: owner.organizationId }, data: { plan: 'pro' } });
    const upload = async () => await uploadVideo(t.app, owner.accessToken);
    const [kept, expiring] = [await upload(), await upload()];

    // Another writer (the sweeper, a delete) has expired one file but not yet committed: the
    // batch's first check still reads it as ready.
    const other = new pg.Client({ connectionString: t.databaseUrl });
    await other.connect();
    await other.query('BEGIN');
    await other.query(`UPDATE assets SET status = 'expired', deleted_at = now() WHERE id = $1`, [expiring]);
    const submitted = t.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...bearer(owner.accessToken), 'content-type': 'text/csv' },
      payload: `script,video\nFirst row.,${kept}\nSecond row.,${expiring}\n`,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await other.query('COMMIT');
    await other.end();

    const response = await submitted;
    expect([response.statusCode, errorCode(response)]).toEqual([409, 'CUTLINE_ASSET_NOT_READY']);
    expect(response.json<{ error: { details: Array<{ field: string }> } }>().error.details.map((d) => d.field)).toEqual(
      ['row 3: video'],
    );
    expect(await t.db.batch.count({ where: { organizationId: owner.organizationId } })).toBe(0);
    expect(await t.db.render.count({ where: { organizationId: owner.organizationId } })).toBe(0);
    const usage = await t.db.usagePeriod.findMany({ where: { organizationId: owner.organizationId } });
    expect(usage.reduce((n, u) => n + u.rendersReserved, 0)).toBe(0);
  });
});
