/**
 * Usage history and exports: GET /v1/usage/history (months, members, the savings estimate),
 * GET /v1/usage/history.csv and GET /v1/activity/export.csv. CSV cells are formula-safe
 * (lib/csv.ts csvLine) and name people, not ids.
 */
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, requireUser, type Guard } from '../http/authenticate.js';
import { errorResponses, Nullable } from '../http/schemas.js';
import { csvLine } from '../lib/csv.js';
import type { ActivityRepository } from '../repositories/activity-repository.js';
import type { MemberUsage, UsageHistoryRepository } from '../repositories/usage-history-repository.js';
import type { ControlPlaneConfig } from '../config.js';
import { contentDisposition } from '../storage/object-store.js';

const MAX_EXPORT_ROWS = 50_000;

const HistoryQuery = Type.Object(
  {
    months: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, description: 'default 12' })),
    minutesPerVideo: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    hourlyRate: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

const Month = Type.Object({
  month: Type.String(),
  renders: Type.Integer(),
  failed: Type.Integer(),
  renderedSeconds: Type.Number(),
  outputBytes: Type.Number(),
  uploadBytes: Type.Number(),
});
const Member = Type.Object({
  userId: Nullable(Type.String()),
  name: Type.String(),
  renders: Type.Integer(),
  renderedSeconds: Type.Number(),
});

/** The first day of the month `months - 1` months before now's. */
function rangeStart(now: Date, months: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
}

const memberName = (m: { userId: string | null; name: string | null }) =>
  m.userId === null ? 'API keys' : (m.name ?? 'Former member');

/** Per-month rows folded into one per member, most renders first. */
function totalsByMember(rows: MemberUsage[]) {
  const totals = new Map<string, { userId: string | null; name: string; renders: number; renderedSeconds: number }>();
  for (const row of rows) {
    const key = row.userId ?? '';
    const total = totals.get(key) ?? { userId: row.userId, name: memberName(row), renders: 0, renderedSeconds: 0 };
    total.renders += row.renders;
    total.renderedSeconds = Math.round((total.renderedSeconds + row.renderedSeconds) * 10) / 10;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => b.renders - a.renders || a.name.localeCompare(b.name));
}

export const analyticsRoutes: FastifyPluginAsyncTypebox<{
  history: UsageHistoryRepository;
  activity: ActivityRepository;
  savings: ControlPlaneConfig['savings'];
  authenticate: Guard;
  now?: () => Date;
}> = async (app, { history, activity, savings, authenticate, now = () => new Date() }) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  const anyMember = allOf(app, [authenticate, requireUser('member')]);

  app.get(
    '/v1/usage/history',
    {
      onRequest: canRead,
      schema: {
        tags: ['usage'],
        summary: 'Usage by month and by member, and the time and money the videos saved',
        description:
          'The estimate counts each finished video as minutesPerVideo of manual editing at hourlyRate (defaults from ' +
          'CUTLINE_SAVINGS_*; pass either to see another assumption).',
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            months: Type.Array(Month),
            members: Type.Array(Member),
            savings: Type.Object({
              minutesPerVideo: Type.Integer(),
              hourlyRate: Type.Number(),
              currency: Type.String(),
              videos: Type.Integer(),
              hoursSaved: Type.Number(),
              moneySaved: Type.Number(),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const to = now();
      const from = rangeStart(to, request.query.months ?? 12);
      const [months, members] = await Promise.all([
        history.months(organizationId, from, to),
        history.byMember(organizationId, from),
      ]);
      const minutesPerVideo = request.query.minutesPerVideo ?? savings.minutesPerVideo;
      const hourlyRate = request.query.hourlyRate ?? savings.hourlyRate;
      const videos = months.reduce((sum, m) => sum + m.renders, 0);
      const hoursSaved = Math.round(((videos * minutesPerVideo) / 60) * 10) / 10;
      return {
        months,
        members: totalsByMember(members),
        savings: {
          minutesPerVideo,
          hourlyRate,
          currency: savings.currency,
          videos,
          hoursSaved,
          moneySaved: Math.round(((videos * minutesPerVideo) / 60) * hourlyRate * 100) / 100,
        },
      };
    },
  );

  app.get(
    '/v1/usage/history.csv',
    {
      onRequest: canRead,
      schema: {
        tags: ['usage'],
        summary: 'Usage by month (totals and storage) and by member, as CSV',
        querystring: Type.Object(
          { months: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, description: 'default 12' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { organizationId } = principalOf(request);
      const to = now();
      const from = rangeStart(to, request.query.months ?? 12);
      const [months, members] = await Promise.all([
        history.months(organizationId, from, to),
        history.byMember(organizationId, from),
      ]);
      const lines = [
        csvLine(['month', 'member', 'videos', 'failed', 'rendered_minutes', 'output_bytes', 'upload_bytes']),
        ...months.map((m) =>
          csvLine([
            m.month,
            'All members',
            m.renders,
            m.failed,
            Math.round(m.renderedSeconds / 6) / 10,
            m.outputBytes,
            m.uploadBytes,
          ]),
        ),
        ...members.map((m) =>
          csvLine([m.month, memberName(m), m.renders, null, Math.round(m.renderedSeconds / 6) / 10, null, null]),
        ),
      ];
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition(`usage-${to.toISOString().slice(0, 7)}.csv`))
        .send(`\ufeff${lines.join('\r\n')}\r\n`);
    },
  );

  app.get(
    '/v1/activity/export.csv',
    {
      onRequest: anyMember,
      schema: {
        tags: ['activity'],
        summary: `The activity log of the last days (at most ${MAX_EXPORT_ROWS} rows, newest first), as CSV`,
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'default 90' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { organizationId } = principalOf(request);
      const since = new Date(now().getTime() - (request.query.days ?? 90) * 86_400_000);
      const { items } = await activity.list(organizationId, { offset: 0, limit: MAX_EXPORT_ROWS, since });
      const lines = [
        csvLine(['time', 'who', 'action', 'subject', 'subject_id', 'details']),
        ...items.map((a) =>
          csvLine([
            a.createdAt.toISOString(),
            a.actorName ?? 'Cutline',
            a.action,
            a.subjectType,
            a.subjectId,
            a.data && Object.keys(a.data as object).length > 0 ? JSON.stringify(a.data) : null,
          ]),
        ),
      ];
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', contentDisposition(`activity-${now().toISOString().slice(0, 10)}.csv`))
        .send(`\ufeff${lines.join('\r\n')}\r\n`);
    },
  );
};
