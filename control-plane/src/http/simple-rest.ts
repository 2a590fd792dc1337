/**
 * react-admin's simple-rest list conventions: ?sort=["field","ASC"]&range=[0,24]&filter={…},
 * answered with the page and a Content-Range header (`renders 0-24/319`).
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.js';

export interface ListParams<F extends string> {
  offset: number;
  limit: number;
  sort: F;
  order: 'asc' | 'desc';
  filter: Record<string, unknown>;
}

const MAX_PAGE = 200;

function json(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `The ${name} parameter is not valid JSON.`, [{ field: name, message: 'is not valid JSON' }]);
  }
}

export function parseListParams<F extends string>(query: { sort?: string; range?: string; filter?: string }, sortable: readonly F[], defaultSort: F): ListParams<F> {
  const sort = json('sort', query.sort) ?? [defaultSort, 'DESC'];
  const range = json('range', query.range) ?? [0, 24];
  const filter = json('filter', query.filter) ?? {};
  if (!Array.isArray(sort) || sort.length !== 2 || !sortable.includes(sort[0] as F) || !['ASC', 'DESC'].includes(String(sort[1]).toUpperCase())) {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `sort must be ["<field>","ASC"|"DESC"] with a field of ${sortable.join(', ')}.`, [{ field: 'sort', message: 'is invalid' }]);
  }
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n) && n >= 0) || range[1] < range[0]) {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', 'range must be [first, last] with 0 ≤ first ≤ last.', [{ field: 'range', message: 'is invalid' }]);
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', 'filter must be a JSON object.', [{ field: 'filter', message: 'is invalid' }]);
  }
  const [first, last] = range as [number, number];
  return { offset: first, limit: Math.min(MAX_PAGE, last - first + 1), sort: sort[0] as F, order: String(sort[1]).toLowerCase() as 'asc' | 'desc', filter: filter as Record<string, unknown> };
}

export function sendPage<T>(reply: FastifyReply, resource: string, offset: number, items: T[], total: number): T[] {
  const last = items.length === 0 ? offset : offset + items.length - 1;
  void reply.header('content-range', `${resource} ${offset}-${last}/${total}`).header('access-control-expose-headers', 'Content-Range');
  return items;
}
