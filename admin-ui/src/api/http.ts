/**
 * Every call to the Cutline API goes through `api()`: it adds the access token, refreshes it
 * once when the API says it expired, and turns error bodies ({ error: { code, message,
 * details } }) into ApiError so forms can show each message next to its field.
 */
import { accessToken, refreshSession } from './session';

export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
  }

  /** The message for one field, when the API named it. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field.startsWith(`${field}.`))?.message;
  }
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
  status: number;
}

export async function api<T = unknown>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<ApiResponse<T>> {
  const send = async (token: string | null) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(path, { ...init, headers, body });
  };
  let response = await send(await accessToken());
  if (response.status === 401) {
    const problem = (await response
      .clone()
      .json()
      .catch(() => null)) as { error?: { code?: string } } | null;
    if (problem?.error?.code === 'CUTLINE_TOKEN_EXPIRED') {
      const session = await refreshSession();
      if (session) response = await send(session.accessToken);
    }
  }
  if (!response.ok) throw await toApiError(response);
  const type = response.headers.get('content-type') ?? '';
  const data =
    response.status === 204 ? null : type.includes('application/json') ? await response.json() : await response.blob();
  return { data: data as T, headers: response.headers, status: response.status };
}

export async function toApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; details?: FieldIssue[] };
  } | null;
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ??
      (response.status >= 500
        ? 'The server had a problem; try again in a moment.'
        : `The request failed (${response.status}).`),
    error?.details ?? [],
  );
}

/** A readable sentence for any error thrown by api() or the network. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Cannot reach the server. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
