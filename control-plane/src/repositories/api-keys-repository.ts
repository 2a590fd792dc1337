/** API keys of an organization: only the digest of the secret is stored. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { ApiKeyInfo, ApiKeyScope } from '../domain.js';
import { STANDING_COLUMNS, toStanding, type OrganizationStanding, type StandingRow } from './accounts-repository.js';

function toInfo(row: {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiKeyScope[],
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** An unrevoked key as authentication needs it: its digest, scopes and organization. */
export interface ActiveApiKey {
  id: string;
  organizationId: string;
  secretHash: string;
  scopes: ApiKeyScope[];
  standing: OrganizationStanding;
}

export class ApiKeysRepository {
  constructor(private readonly db: Database) {}

  async create(input: {
    organizationId: string;
    createdById: string;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: ApiKeyScope[];
  }): Promise<ApiKeyInfo> {
    return toInfo(await this.db.apiKey.create({ data: { id: randomUUID(), ...input } }));
  }

  async list(organizationId: string): Promise<ApiKeyInfo[]> {
    return (await this.db.apiKey.findMany({ where: { organizationId }, orderBy: { createdAt: 'desc' } })).map(toInfo);
  }

  /** Revokes a key of this organization; false when there is no such key here. */
  async revoke(organizationId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.db.apiKey.updateMany({
      where: { id, organizationId, revokedAt: null },
      data: { revokedAt: now },
    });
    if (result.count === 1) return true;
    return (await this.db.apiKey.count({ where: { id, organizationId } })) === 1;
  }

  /**
   * Active keys with their organizations' standing, by prefix, in one round trip for any
   * number of keys (authentication runs it for every API-key request, grouping concurrent
   * ones). The answer lines up with `prefixes`; undefined where no active key has the prefix.
   */
  async findActiveByPrefixes(prefixes: string[]): Promise<Array<ActiveApiKey | undefined>> {
    // Raw SQL: Prisma's query compiler costs more CPU than the query.
    const rows = await this.db.$queryRaw<
      Array<StandingRow & { keyId: string; prefix: string; secretHash: string; scopes: string[] }>
    >`
      SELECT k.id::text AS "keyId", k.prefix, k.secret_hash AS "secretHash", k.scopes::text[] AS scopes, ${STANDING_COLUMNS}
        FROM api_keys k JOIN organizations o ON o.id = k.organization_id LEFT JOIN subscriptions s ON s.organization_id = o.id
       WHERE k.prefix = ANY(${prefixes}::text[]) AND k.revoked_at IS NULL`;
    const found = new Map(
      rows.map((row) => [
        row.prefix,
        {
          id: row.keyId,
          organizationId: row.id,
          secretHash: row.secretHash,
          scopes: row.scopes as ApiKeyScope[],
          standing: toStanding(row),
        },
      ]),
    );
    return prefixes.map((prefix) => found.get(prefix));
  }

  /** Whether the key exists, is not revoked, and belongs to the organization. */
  async isActive(organizationId: string, id: string): Promise<boolean> {
    return (await this.db.apiKey.count({ where: { id, organizationId, revokedAt: null } })) > 0;
  }

  /** Records use, at most once a minute per key, so busy keys do not write on every request. */
  async touch(id: string, now: Date): Promise<void> {
    await this.db.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - 60_000) } }] },
      data: { lastUsedAt: now },
    });
  }
}
