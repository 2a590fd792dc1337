/**
 * react-admin's dataProvider over the Cutline API. Lists follow simple-rest (sort, range,
 * filter; total in Content-Range). Resources name the screen, not always the path: operators'
 * resources live under /v1/admin.
 */
import { HttpError, type DataProvider, type GetListParams, type Identifier, type RaRecord } from 'react-admin';
import { LISTS } from '@cutline/contract';
import { api, ApiError } from './http';

interface ResourceRoute {
  path: string;
  /** The field that identifies a record when it is not `id`. */
  idField?: string;
  /** Fields the API sorts by; other sorts fall back to the default. */
  sortable?: readonly string[];
  /** Only `range` is understood (newest first). */
  rangeOnly?: boolean;
  /** The API answers the whole list, without paging. */
  unpaged?: boolean;
}

export const RESOURCES: Record<string, ResourceRoute> = {
  renders: { path: '/v1/renders', sortable: LISTS.renders.sortable },
  assets: { path: '/v1/assets', sortable: LISTS.assets.sortable },
  projects: { path: '/v1/projects', sortable: LISTS.projects.sortable },
  'api-keys': { path: '/v1/api-keys', unpaged: true },
  members: { path: '/v1/members', idField: 'userId', unpaged: true },
  activity: { path: '/v1/activity', sortable: LISTS.activity.sortable },
  organizations: { path: '/v1/admin/organizations', sortable: LISTS.organizations.sortable },
  users: { path: '/v1/admin/users', sortable: LISTS.users.sortable },
  'all-renders': { path: '/v1/admin/renders', sortable: LISTS['all-renders'].sortable },
  'all-activity': { path: '/v1/admin/activity', sortable: LISTS['all-activity'].sortable },
};

function route(resource: string): ResourceRoute {
  const found = RESOURCES[resource];
  if (!found) throw new Error(`Unknown resource ${resource}`);
  return found;
}

function withId(r: ResourceRoute, record: Record<string, unknown>): RaRecord {
  return (r.idField ? { ...record, id: record[r.idField] } : record) as RaRecord;
}

export function listQuery(r: ResourceRoute, params: Pick<GetListParams, 'pagination' | 'sort' | 'filter'>): string {
  const { page, perPage } = params.pagination ?? { page: 1, perPage: 25 };
  const range = JSON.stringify([(page - 1) * perPage, page * perPage - 1]);
  if (r.rangeOnly) return `range=${encodeURIComponent(range)}`;
  const query = new URLSearchParams({ range });
  const sort = params.sort;
  if (sort && r.sortable?.includes(sort.field)) query.set('sort', JSON.stringify([sort.field, sort.order]));
  const filter = Object.fromEntries(Object.entries(params.filter ?? {}).filter(([, v]) => v !== undefined && v !== ''));
  if (Object.keys(filter).length > 0) query.set('filter', JSON.stringify(filter));
  return query.toString();
}

export function totalOf(headers: Headers, fallback: number): number {
  const match = /\/(\d+)$/.exec(headers.get('content-range') ?? '');
  return match ? Number(match[1]) : fallback;
}

export const dataProvider: DataProvider = {
  async getList(resource, params) {
    const r = route(resource);
    if (r.unpaged) {
      const { data } = await api<Array<Record<string, unknown>>>(r.path, { signal: params.signal ?? null });
      return { data: data.map((d) => withId(r, d)) as never[], total: data.length };
    }
    const { data, headers } = await api<Array<Record<string, unknown>>>(`${r.path}?${listQuery(r, params)}`, {
      signal: params.signal ?? null,
    });
    return { data: data.map((d) => withId(r, d)) as never[], total: totalOf(headers, data.length) };
  },
  async getOne(resource, params) {
    const r = route(resource);
    if (r.unpaged) {
      const { data } = await api<Array<Record<string, unknown>>>(r.path);
      const record = data.map((d) => withId(r, d)).find((d) => String(d.id) === String(params.id));
      if (!record) throw new Error('Not found');
      return { data: record as never };
    }
    const { data } = await api<Record<string, unknown>>(`${r.path}/${encodeURIComponent(String(params.id))}`, {
      signal: params.signal ?? null,
    });
    return { data: withId(r, data) as never };
  },
  async getMany(resource, params) {
    const results = await Promise.all(
      params.ids.map((id) =>
        dataProvider
          .getOne(resource, { id })
          .then((r) => r.data)
          .catch(() => null),
      ),
    );
    return { data: results.filter((r): r is NonNullable<typeof r> => r !== null) as never };
  },
  async getManyReference(resource, params) {
    return dataProvider.getList(resource, { ...params, filter: { ...params.filter, [params.target]: params.id } });
  },
  async create(resource, params) {
    const r = route(resource);
    const { data } = await api<Record<string, unknown>>(r.path, { method: 'POST', json: params.data }).catch(
      asFormError,
    );
    return { data: withId(r, data) as never };
  },
  async update(resource, params) {
    const r = route(resource);
    const changed = Object.fromEntries(
      Object.entries(params.data).filter(
        ([key, value]) => key !== 'id' && JSON.stringify(value) !== JSON.stringify(params.previousData?.[key]),
      ),
    );
    const { data } = await api<Record<string, unknown>>(`${r.path}/${encodeURIComponent(String(params.id))}`, {
      method: 'PATCH',
      json: changed,
    }).catch(asFormError);
    return { data: withId(r, { ...params.previousData, ...data }) as never };
  },
  async updateMany(resource, params) {
    await Promise.all(
      params.ids.map((id) => dataProvider.update(resource, { id, data: params.data, previousData: {} as RaRecord })),
    );
    return { data: params.ids };
  },
  async delete(resource, params) {
    const r = route(resource);
    await api(`${r.path}/${encodeURIComponent(String(params.id))}`, { method: 'DELETE' });
    return { data: params.previousData as never };
  },
  async deleteMany(resource, params) {
    const r = route(resource);
    await Promise.all(
      params.ids.map((id: Identifier) => api(`${r.path}/${encodeURIComponent(String(id))}`, { method: 'DELETE' })),
    );
    return { data: params.ids };
  },
};

/**
 * The API's refusal in the shape react-admin's forms read (`body.errors`): each message appears
 * under the input of the field it names, and the whole message at the form's root. It keeps the
 * API's code and field details too, for callers that show them themselves.
 */
export class ApiFormError extends HttpError {
  constructor(
    readonly code: string,
    message: string,
    status: number,
    readonly details: ApiError['details'],
  ) {
    const errors: Record<string, unknown> = { root: { serverError: message } };
    for (const detail of details) errors[detail.field.split('.')[0]!] ??= detail.message;
    super(message, status, { errors, code });
  }
}

export function asFormError(err: unknown): never {
  if (!(err instanceof ApiError)) throw err;
  throw new ApiFormError(err.code, err.message, err.status, err.details);
}
