// The one place the app calls fetch. Same origin only (the CSP's
// connect-src 'self'), JSON in and out, failures turned into ApiError.
import { ApiError, networkProblem, problemFrom } from './problem';

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Sends one request; resolves to the parsed JSON body (or null for an empty
 * one, e.g. 202/204) and rejects with an ApiError for any status >= 400.
 */
export async function requestJson(path: string, request: JsonRequest): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(request.body);
  }
  let response: Response;
  try {
    // credentials 'same-origin' (the default) sends the refresh cookie to
    // /api/v1/auth/* and to nobody else.
    response = await fetch(path, { method: request.method, headers, body: body ?? null, credentials: 'same-origin' });
  } catch {
    throw networkProblem();
  }
  if (!response.ok) throw await problemFrom(response);
  const text = await response.text();
  return text ? (JSON.parse(text) as unknown) : null;
}

export { ApiError };
