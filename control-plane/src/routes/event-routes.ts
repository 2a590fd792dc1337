/**
 * Live progress as Server-Sent Events: per render and per organization. State events carry
 * their outbox id as the SSE id, so a client that reconnects with Last-Event-ID first gets
 * what it missed (replayed from the outbox), then the live stream — in order, without gaps or
 * duplicates. Progress events are live only (a newer one always follows).
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ALL_RENDER_EVENTS, renderEventsPattern } from '@cutline/render-job';
import type { RenderServerEvent, RenderStateEvent } from '@cutline/contract';
import type { EventBus } from '../events/event-bus.js';
import { allOf, principalOf, requireScope, type Guard } from '../http/authenticate.js';
import { notFound } from '../errors.js';
import { Uuid } from '../http/schemas.js';
import type { EventsRepository } from '../repositories/events-repository.js';
import type { RendersRepository } from '../repositories/renders-repository.js';
import type { LiveStreams } from '../http/live-streams.js';

const HEARTBEAT_MS = 15_000;

function lastEventId(request: FastifyRequest): number {
  const raw = request.headers['last-event-id'] ?? (request.query as { lastEventId?: string }).lastEventId;
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

async function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    bus: EventBus;
    pattern: string;
    organizationId: string;
    open: Set<ServerResponse>;
    liveStreams: LiveStreams;
    replay: (after: number) => Promise<Array<{ id: number; payload: RenderStateEvent }>>;
  },
): Promise<void> {
  let lastSent = lastEventId(request);
  let replaying = true;
  const buffered: RenderServerEvent[] = [];
  const raw = reply.raw;
  const send = (data: RenderServerEvent) => {
    if (data.organizationId !== options.organizationId) return;
    if (data.type === 'state') {
      const id = Number(data.eventId);
      if (!Number.isSafeInteger(id) || id <= lastSent) return;
      lastSent = id;
      raw.write(`id: ${id}\nevent: state\ndata: ${JSON.stringify(data)}\n\n`);
    } else {
      raw.write(`event: progress\ndata: ${JSON.stringify(data)}\n\n`);
    }
  };
  // Subscribe before replaying, and hold live messages until the replay is out.
  // Everything under cutline.renders is one of the two event kinds (contract/render-events.ts).
  const unsubscribe = options.bus.subscribe(options.pattern, ({ data }) => {
    const event = data as unknown as RenderServerEvent;
    if (replaying) buffered.push(event);
    else send(event);
  });
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  options.open.add(raw);
  // Revoked credentials end the stream; the client's reconnect then meets a 401.
  const forget = options.liveStreams.add(principalOf(request), () => raw.end(() => raw.socket?.destroy()));
  request.raw.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    forget();
    options.open.delete(raw);
  });
  try {
    for (const event of await options.replay(lastSent)) send({ ...event.payload, eventId: event.id });
  } finally {
    replaying = false;
    for (const message of buffered.splice(0)) send(message);
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<{
  bus: EventBus;
  events: EventsRepository;
  renders: RendersRepository;
  authenticate: Guard;
  liveStreams: LiveStreams;
}> = async (app, { bus, events, renders, authenticate, liveStreams }) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  // A stream never ends by itself. At shutdown each one is ended and its connection closed: the
  // client reconnects (to a replica that is up) with Last-Event-ID and misses nothing.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const raw of open) raw.end(() => raw.socket?.destroy());
    done();
  });

  app.get(
    '/v1/renders/:id/events',
    {
      onRequest: canRead,
      schema: {
        tags: ['renders'],
        summary: 'Server-Sent Events for one render (send Last-Event-ID to resume)',
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object({ lastEventId: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const organizationId = principalOf(request).organizationId;
      if (!(await renders.find(organizationId, request.params.id))) throw notFound('Render');
      await stream(request, reply, {
        bus,
        pattern: renderEventsPattern(request.params.id),
        organizationId,
        open,
        liveStreams,
        replay: (after) => events.since(organizationId, after, request.params.id),
      });
    },
  );

  app.get(
    '/v1/events',
    {
      onRequest: canRead,
      schema: {
        tags: ['renders'],
        summary: 'Server-Sent Events for every render of the organization',
        querystring: Type.Object({ lastEventId: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const organizationId = principalOf(request).organizationId;
      await stream(request, reply, {
        bus,
        pattern: ALL_RENDER_EVENTS,
        organizationId,
        open,
        liveStreams,
        replay: (after) => events.since(organizationId, after),
      });
    },
  );
};
