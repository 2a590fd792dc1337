/**
 * /v1/organization: the caller's organization — its name, address (slug) and the defaults
 * new videos start with (admins change them), and deleting it with everything it holds
 * (owners, with the slug typed as confirmation).
 */
import type { RecordActivity } from '../repositories/activity-repository.js';
import { ASPECTS, AUTO_VOICE, CAPTION_STYLES, RenderError, type VoiceCatalogue } from '@cutline/render-job';
import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allOf, principalOf, requireScope, requireUser, userPrincipalOf, type Guard } from '../http/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { errorResponses, Nullable, Uuid } from '../http/schemas.js';
import type { OrganizationProfile, OrganizationsRepository } from '../repositories/organizations-repository.js';
import type { OrganizationDeletion } from '../services/organization-deletion.js';

const Settings = Type.Object(
  {
    defaultVoice: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
    defaultCaptionStyle: Nullable(Type.Union(CAPTION_STYLES.map((s) => Type.Literal(s)))),
    defaultFormats: Nullable(
      Type.Array(Type.Union(ASPECTS.map((a) => Type.Literal(a))), { minItems: 1, maxItems: 3, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  settings: Settings,
  createdAt: Type.String({ format: 'date-time' }),
});

function view(o: OrganizationProfile) {
  return { ...o, settings: o.settings as never, createdAt: o.createdAt.toISOString() };
}

export interface OrganizationRoutesOptions {
  organizations: OrganizationsRepository;
  deletion: OrganizationDeletion;
  catalogue: VoiceCatalogue;
  authenticate: Guard;
  activity: RecordActivity;
}

export const organizationRoutes: FastifyPluginAsyncTypebox<OrganizationRoutesOptions> = async (
  app,
  { organizations, deletion, catalogue, authenticate, activity },
) => {
  const canRead = allOf(app, [authenticate, requireScope('renders:read')]);
  const admin = allOf(app, [authenticate, requireUser('admin')]);
  const owner = allOf(app, [authenticate, requireUser('owner')]);

  const checkVoice = async (id: string | null | undefined) => {
    if (!id || id === AUTO_VOICE) return;
    try {
      await catalogue.resolve(id);
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      throw new ApiError('CUTLINE_VOICE_UNKNOWN', err.message, [
        { field: 'settings.defaultVoice', message: 'is not in the catalogue' },
      ]);
    }
  };

  app.get(
    '/v1/organization',
    {
      onRequest: canRead,
      schema: {
        tags: ['organization'],
        summary: 'The organization: name, address and defaults for new videos',
        response: { 200: OrganizationView, ...errorResponses },
      },
    },
    async (request) => {
      const profile = await organizations.profile(principalOf(request).organizationId);
      if (!profile) throw notFound('Organization');
      return view(profile);
    },
  );

  app.patch(
    '/v1/organization',
    {
      onRequest: admin,
      schema: {
        tags: ['organization'],
        summary: 'Rename the organization, change its address, or the defaults new videos start with',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 120, pattern: '^[^\\p{Cc}]*\\S[^\\p{Cc}]*$' })),
            slug: Type.Optional(
              Type.String({
                minLength: 3,
                maxLength: 48,
                pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
                description: 'Lower-case letters, digits and single hyphens',
              }),
            ),
            settings: Type.Optional(Type.Partial(Settings)),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OrganizationView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await checkVoice(request.body.settings?.defaultVoice);
      const profile = await organizations.update(principal.organizationId, {
        name: request.body.name?.trim(),
        slug: request.body.slug,
        ...(request.body.settings ? { settings: request.body.settings } : {}),
      });
      if (!profile) throw notFound('Organization');
      await activity(
        principal,
        'organization.updated',
        { type: 'organization', id: profile.id },
        { fields: Object.keys(request.body) },
      );
      return view(profile);
    },
  );

  app.delete(
    '/v1/organization',
    {
      onRequest: owner,
      schema: {
        tags: ['organization'],
        summary: 'Delete the organization and everything in it now (owners; type its address to confirm)',
        description:
          'Renders waiting or running are canceled, the Stripe subscription ends, and every upload, output and record ' +
          'goes at once. Accounts that belong to no other organization are deleted with it.',
        body: Type.Object({ confirm: Type.String({ maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ deleted: Type.Literal(true), erasedUsers: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const { erasedUsers } = await deletion.delete(userPrincipalOf(request), request.body.confirm);
      return { deleted: true as const, erasedUsers };
    },
  );
};
