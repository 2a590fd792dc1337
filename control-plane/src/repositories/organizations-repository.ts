/**
 * An organization's own settings (name, slug, defaults for new videos) and the statements
 * that erase it: every record that names it, in one transaction.
 */
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import { isUniqueViolation } from './renders-repository.js';
import type { Tx } from './render-states-repository.js';

export interface OrganizationSettings {
  defaultVoice: string | null;
  defaultCaptionStyle: string | null;
  defaultFormats: string[] | null;
}

export const DEFAULT_SETTINGS: OrganizationSettings = {
  defaultVoice: null,
  defaultCaptionStyle: null,
  defaultFormats: null,
};

export interface OrganizationProfile {
  id: string;
  name: string;
  slug: string;
  plan: string;
  settings: OrganizationSettings;
  createdAt: Date;
}

function settingsOf(stored: unknown): OrganizationSettings {
  const raw = stored && typeof stored === 'object' ? (stored as Partial<OrganizationSettings>) : {};
  return { ...DEFAULT_SETTINGS, ...raw };
}

export class OrganizationsRepository {
  constructor(private readonly db: Database) {}

  async profile(id: string): Promise<OrganizationProfile | undefined> {
    const row = await this.db.organization.findUnique({
      where: { id },
      select: { id: true, name: true, slug: true, plan: true, settings: true, createdAt: true },
    });
    return row ? { ...row, settings: settingsOf(row.settings) } : undefined;
  }

  async update(
    id: string,
    changes: { name?: string | undefined; slug?: string | undefined; settings?: Partial<OrganizationSettings> },
  ): Promise<OrganizationProfile | undefined> {
    const current = await this.profile(id);
    if (!current) return undefined;
    try {
      await this.db.organization.update({
        where: { id },
        data: {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.slug !== undefined ? { slug: changes.slug } : {}),
          ...(changes.settings ? { settings: { ...current.settings, ...changes.settings } } : {}),
        },
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError('CUTLINE_CONFLICT', 'Another organization has this address.', [
          { field: 'slug', message: 'is taken' },
        ]);
      throw err;
    }
    return this.profile(id);
  }

  /** What must be stopped or removed outside the database before the records go. */
  async leftovers(id: string): Promise<{
    activeRenders: string[];
    openUploads: Array<{ id: string; multipartUpload: string }>;
    stripeCustomerId: string | null;
  }> {
    const [renders, uploads, organization] = await Promise.all([
      this.db.render.findMany({
        where: { organizationId: id, state: { in: ['queued', 'admitted', 'running'] } },
        select: { id: true },
      }),
      this.db.asset.findMany({
        where: { organizationId: id, multipartUpload: { not: null } },
        select: { id: true, multipartUpload: true },
      }),
      this.db.organization.findUnique({ where: { id }, select: { stripeCustomerId: true } }),
    ]);
    return {
      activeRenders: renders.map((r) => r.id),
      openUploads: uploads.map((u) => ({ id: u.id, multipartUpload: u.multipartUpload! })),
      stripeCustomerId: organization?.stripeCustomerId ?? null,
    };
  }

  /** Whether the state events of these renders have all been published (the launchers heard of the cancel). */
  async eventsPublished(renderIds: string[]): Promise<boolean> {
    if (renderIds.length === 0) return true;
    const rows = await this.db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM outbox_events
       WHERE published_at IS NULL AND payload->>'renderId' = ANY(${renderIds})`;
    return (rows[0]?.n ?? 0) === 0;
  }

  /**
   * Erases the organization: its records (cascading from the row), the rows that name it
   * without a foreign key, the accounts that belonged to it alone, and counts the deletion
   * for the operator without saying whose. Returns the addresses of the erased accounts.
   */
  async erase(id: string, day: Date): Promise<{ erasedUsers: number }> {
    return this.db.$transaction(async (tx: Tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM organizations WHERE id = ${id}::uuid FOR UPDATE`;
      if (locked.length === 0) return { erasedUsers: 0 };
      const loners = await tx.$queryRaw<Array<{ id: string; email: string }>>`
        SELECT u.id::text AS id, u.email FROM users u JOIN memberships m ON m.user_id = u.id AND m.organization_id = ${id}::uuid
         WHERE NOT EXISTS (SELECT 1 FROM memberships o WHERE o.user_id = u.id AND o.organization_id <> ${id}::uuid)`;
      const emails = loners.map((u) => u.email);
      // Renders first: they keep their assets (ON DELETE RESTRICT) until they go.
      await tx.$executeRaw`DELETE FROM renders WHERE organization_id = ${id}::uuid`;
      await tx.$executeRaw`DELETE FROM organizations WHERE id = ${id}::uuid`;
      await tx.$executeRaw`DELETE FROM notification_events WHERE organization_id = ${id}::uuid`;
      await tx.$executeRaw`DELETE FROM overage_reports WHERE organization_id = ${id}::uuid`;
      await tx.$executeRaw`DELETE FROM outbox_events WHERE payload->>'organizationId' = ${id}`;
      await tx.$executeRaw`DELETE FROM mail_messages WHERE to_address = ANY(${emails}) OR dedupe_key LIKE ${`%${id}%`}`;
      await tx.$executeRaw`DELETE FROM users WHERE id = ANY(${loners.map((u) => u.id)}::uuid[])`;
      await tx.$executeRaw`
        INSERT INTO organization_deletions (day, count) VALUES (${day}::date, 1)
        ON CONFLICT (day) DO UPDATE SET count = organization_deletions.count + 1`;
      return { erasedUsers: loners.length };
    });
  }
}
