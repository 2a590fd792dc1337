/**
 * `app.close()` stops accepting connections, closes the idle ones and then waits for every
 * request in progress to end. One may never end: a client that stopped in the middle of
 * sending its request keeps its connection open (Node then waits for the rest of the body,
 * without limit, since uploads may legitimately be slow). Past the grace period the remaining
 * connections are closed, so a shutdown always ends (and ends before Kubernetes' SIGKILL).
 */
import type { FastifyInstance } from 'fastify';

export function limitShutdown(app: FastifyInstance, graceMs: number): void {
  app.addHook('preClose', (done) => {
    const deadline = setTimeout(() => app.server.closeAllConnections(), graceMs);
    deadline.unref();
    app.server.once('close', () => clearTimeout(deadline));
    done();
  });
}
