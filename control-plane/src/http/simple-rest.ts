/**
 * react-admin's simple-rest list conventions: ?sort=["field","ASC"]&range=[0,24]&filter={…},
 * answered with the page and a Content-Range header (`renders 0-24/319`).
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';
import { isUuid } from '../domain.js';

export interface ListParams<F extends string> {
  offset: number;
  limit: number;
  sort: F;
  order: 'asc' | 'desc';
  filter: Record<string, unknown>;
}

const MAX_PAGE = 200;
/** Deeper pages are refused: no list is that long, and offsets must stay safe integers. */
const MAX_OFFSET = 10_000_000;

function json(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `The ${name} parameter is not valid JSON.`, [
      { field: name, message: 'is not valid JSON' },
    ]);
  }
}

/**
 * The page, order and filter of a list request, by the list's contract (contract/renders.ts).
 * Filter keys the list does not name are refused rather than silently ignored (a caller who
 * filters by something the route cannot filter by would otherwise get everything).
 */
export function parseListParams<F extends string>(
  query: { sort?: string | undefined; range?: string | undefined; filter?: string | undefined },
  { sortable, defaultSort, filters }: { sortable: readonly F[]; defaultSort: F; filters: readonly string[] },
): ListParams<F> {
  const sort = json('sort', query.sort) ?? [defaultSort, 'DESC'];
  const range = json('range', query.range) ?? [0, 24];
  const filter = json('filter', query.filter) ?? {};
  if (
    !Array.isArray(sort) ||
    sort.length !== 2 ||
    !sortable.includes(sort[0] as F) ||
    !['ASC', 'DESC'].includes(String(sort[1]).toUpperCase())
  ) {
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      `sort must be ["<field>","ASC"|"DESC"] with a field of ${sortable.join(', ')}.`,
      [{ field: 'sort', message: 'is invalid' }],
    );
  }
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !range.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    range[1] < range[0] ||
    range[0] > MAX_OFFSET
  ) {
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      `range must be [first, last] with 0 ≤ first ≤ last and first ≤ ${MAX_OFFSET}.`,
      [{ field: 'range', message: 'is invalid' }],
    );
  }
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', 'filter must be a JSON object.', [
      { field: 'filter', message: 'is invalid' },
    ]);
  }
  const unknown = Object.keys(filter).filter((key) => !filters.includes(key));
  if (unknown.length > 0) {
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      filters.length > 0 ? `This list filters by ${filters.join(', ')} only.` : 'This list takes no filter.',
      unknown.map((key) => ({ field: `filter.${key}`, message: 'is not a filter of this list' })),
    );
  }
  const [first, last] = range as [number, number];
  return {
    offset: first,
    limit: Math.min(MAX_PAGE, last - first + 1),
    sort: sort[0] as F,
    order: String(sort[1]).toLowerCase() as 'asc' | 'desc',
    filter: filter as Record<string, unknown>,
  };
}

/** A string filter value (one of `allowed` when given), or undefined when absent. */
export function stringFilter(
  filter: Record<string, unknown>,
  name: string,
  allowed?: readonly string[],
): string | undefined {
  const value = filter[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || (allowed && !allowed.includes(value))) {
    throw new ApiError(
      'CUTLINE_VALIDATION_FAILED',
      allowed ? `filter.${name} must be one of ${allowed.join(', ')}.` : `filter.${name} must be a string.`,
      [{ field: `filter.${name}`, message: 'is invalid' }],
    );
  }
  return value.slice(0, 200);
}

/** A filter value that names a record by id: anything but a UUID is refused, never looked up. */
export function uuidFilter(filter: Record<string, unknown>, name: string): string | undefined {
  const value = stringFilter(filter, name);
  if (value !== undefined && !isUuid(value)) {
    throw new ApiError('CUTLINE_VALIDATION_FAILED', `filter.${name} must be a UUID.`, [
      { field: `filter.${name}`, message: 'is not a UUID' },
    ]);
  }
  return value;
}

export function sendPage<T>(reply: FastifyReply, resource: string, offset: number, items: T[], total: number): T[] {
  const last = items.length === 0 ? offset : offset + items.length - 1;
  void reply
    .header('content-range', `${resource} ${offset}-${last}/${total}`)
    .header('access-control-expose-headers', 'Content-Range');
  return items;
}
