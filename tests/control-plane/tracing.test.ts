/**
 * OpenTelemetry: the caller's trace continues through the API into the render spec, and the
 * server's spans reach an OTLP/HTTP collector (a real HTTP endpoint of this test).
 */
import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTracing, type Tracing } from '../../control-plane/src/tracing/tracing.js';
import { freePort } from '../fixture/ports.js';
import { ensureCorpus } from '../render/corpus.js';
import { bearer, register, startApp, type TestApp } from './app-helper.js';

const services = inject('services');

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
}

let collector: FastifyInstance;
const received: ExportedSpan[] = [];
let tracing: Tracing;
let t: TestApp;

beforeAll(async () => {
  collector = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  collector.post('/v1/traces', async (request) => {
    const body = request.body as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> };
    for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) received.push(...scope.spans);
    return {};
  });
  const port = await freePort();
  await collector.listen({ host: '127.0.0.1', port });
  tracing = await startTracing({ otlpEndpoint: `http://127.0.0.1:${port}`, serviceName: 'cutline-test' });
  t = await startApp(services.postgresUrl);
});

afterAll(async () => {
  await t?.close();
  await tracing?.shutdown();
  await collector?.close();
});

describe('tracing', () => {
  it("continues the caller's trace into the render spec and exports the server span", async () => {
    const corpus = await ensureCorpus();
    const account = await register(t.app, 'Tracer');
    const upload = await t.app.inject({
      method: 'POST',
      url: '/v1/assets?kind=video&filename=a.mp4',
      headers: { ...bearer(account.accessToken), 'content-type': 'video/mp4' },
      payload: await readFile(corpus.oneSecond),
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/renders',
      headers: { ...bearer(account.accessToken), traceparent: `00-${traceId}-${callerSpanId}-01` },
      payload: { assetId: upload.json<{ id: string }>().id, script: 'Tracing travels with the render.' },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const render = await t.db.render.findUnique({ where: { id: submitted.json<{ id: string }>().id } });
    const traceparent = (render!.spec as { traceparent?: string }).traceparent;
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '');
    expect(match, `spec.traceparent = ${traceparent}`).not.toBeNull();
    expect(match![1]).toBe(traceId);
    expect(match![2]).not.toBe(callerSpanId); // the server's own span, a child of the caller's

    await tracing.flush();
    const server = received.find((s) => s.name === 'POST /v1/renders');
    expect(server).toBeDefined();
    expect(server).toMatchObject({ traceId, spanId: match![2], parentSpanId: callerSpanId });
    expect(server!.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: 201 } });
    // Requests without a caller trace start their own.
    const register2 = received.find((s) => s.name === 'POST /v1/auth/register');
    expect(register2?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(register2?.traceId).not.toBe(traceId);
  });
});
