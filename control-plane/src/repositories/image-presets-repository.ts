/** An organization's own image sizes, beside the platform presets. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import { isUniqueViolation } from './renders-repository.js';

export interface CustomImagePreset {
  id: string;
  name: string;
  width: number;
  height: number;
  format: string;
  createdAt: Date;
}

const SELECT = { id: true, name: true, width: true, height: true, format: true, createdAt: true } as const;
export const MAX_CUSTOM_PRESETS = 50;

export class ImagePresetsRepository {
  constructor(private readonly db: Database) {}

  list(organizationId: string): Promise<CustomImagePreset[]> {
    return this.db.imagePreset.findMany({ where: { organizationId }, select: SELECT, orderBy: { name: 'asc' } });
  }

  async create(
    organizationId: string,
    input: { name: string; width: number; height: number; format: string },
  ): Promise<CustomImagePreset> {
    if ((await this.db.imagePreset.count({ where: { organizationId } })) >= MAX_CUSTOM_PRESETS)
      throw new ApiError('CUTLINE_CONFLICT', `An organization keeps at most ${MAX_CUSTOM_PRESETS} presets of its own.`);
    try {
      return await this.db.imagePreset.create({
        data: { id: randomUUID(), organizationId, ...input },
        select: SELECT,
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError('CUTLINE_CONFLICT', `There is already a preset called “${input.name}”.`, [
          { field: 'name', message: 'is taken' },
        ]);
      throw err;
    }
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    return (await this.db.imagePreset.deleteMany({ where: { id, organizationId } })).count > 0;
  }
}
