/**
 * Shutdown ends: an open event stream is ended (its client reconnects with Last-Event-ID), and
 * a client that stopped in the middle of sending a request loses its connection once the grace
 * period is over. Before, either kept `app.close()` — and so SIGTERM — waiting for ever.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bearer, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');
let t: TestApp | undefined;

afterEach(async () => {
  // After a failure, what the test left open must not hang the cleanup too.
  t?.app.server.closeAllConnections();
  await t?.close();
  t = undefined;
});

/** Resolves when the socket is closed; the answer is whatever the server wrote before. */
function closed(socket: ReturnType<typeof connect>): Promise<string> {
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

describe('shutdown', () => {
  // A hang fails by the test's timeout: the grace period here is ten minutes.
  it('ends open event streams at once', { timeout: 30_000 }, async () => {
    t = await startApp(services.postgresUrl, { CUTLINE_SHUTDOWN_GRACE: '10m' }, {}, { listen: true });
    const account = await register(t.app);
    const response = await fetch(`${t.baseUrl}/v1/events`, { headers: bearer(account.accessToken) });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry:');

    await t.app.close();
    // The stream ended cleanly: the client sees its end, not an error, and reconnects.
    for (;;) if ((await reader.read()).done) break;
  });

  it(
    'closes a connection whose request never finished arriving, after the grace period',
    { timeout: 30_000 },
    async () => {
      t = await startApp(services.postgresUrl, { CUTLINE_SHUTDOWN_GRACE: '300ms' }, {}, { listen: true });
      const { port } = new URL(t.baseUrl);
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      await new Promise((resolve) => socket.once('connect', resolve));
      const answer = closed(socket);
      // Headers promise 100 bytes of body; one arrives.
      socket.write(
        'POST /v1/auth/login HTTP/1.1\r\nHost: cutline\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      // The server has the request once it answers a second connection (requests are read in order of arrival).
      expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);

      await t.app.close();
      expect(await answer).toBe('');
    },
  );
});
