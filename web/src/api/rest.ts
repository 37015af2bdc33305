// The REST calls the app makes, typed from the server's OpenAPI document
// (src/generated/openapi.ts, made by `npm run generate`): a renamed field
// or a changed body fails `tsc`, not a user.
import type { components, operations } from '../generated/openapi';
import { requestJson } from './http';

type Schemas = components['schemas'];
type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;
/** The header that asks for the refresh token in a cookie, named by the document. */
type TransportHeader = NonNullable<operations['login']['parameters']['header']>;

export type TokenResponse = Schemas['TokenResponse'];

// The refresh token stays in an HttpOnly cookie, out of reach of scripts.
// The header is also the CSRF defence: a cross-site form cannot send it.
const COOKIE_TRANSPORT: Required<{ [K in keyof TransportHeader]: string }> = {
  'X-Refresh-Token-Transport': 'cookie',
};

export function register(body: JsonBody<'register'>): Promise<unknown> {
  return requestJson('/api/v1/auth/register', { method: 'POST', body });
}

export function verifyEmail(body: JsonBody<'verify_email'>): Promise<unknown> {
  return requestJson('/api/v1/auth/verify-email', { method: 'POST', body });
}

export function forgotPassword(body: JsonBody<'forgot_password'>): Promise<unknown> {
  return requestJson('/api/v1/auth/forgot-password', { method: 'POST', body });
}

export function resetPassword(body: JsonBody<'reset_password'>): Promise<unknown> {
  return requestJson('/api/v1/auth/reset-password', { method: 'POST', body });
}

export async function login(body: JsonBody<'login'>): Promise<TokenResponse> {
  return (await requestJson('/api/v1/auth/login', {
    method: 'POST',
    body,
    headers: COOKIE_TRANSPORT,
  })) as TokenResponse;
}

/** The body is empty: the browser sends the cookie by itself. */
export async function refresh(): Promise<TokenResponse> {
  return (await requestJson('/api/v1/auth/refresh', {
    method: 'POST',
    body: {},
    headers: COOKIE_TRANSPORT,
  })) as TokenResponse;
}

export async function logout(): Promise<void> {
  await requestJson('/api/v1/auth/logout', { method: 'POST', body: {}, headers: COOKIE_TRANSPORT });
}

/**
 * Not GraphQL's changePassword: that one answers the new refresh token in
 * the body, where scripts could read it. This answers it in the cookie.
 */
export async function changePassword(
  accessToken: string,
  body: JsonBody<'change_password'>,
): Promise<TokenResponse> {
  return (await requestJson('/api/v1/users/me/password', {
    method: 'PATCH',
    body,
    headers: { ...COOKIE_TRANSPORT, Authorization: `Bearer ${accessToken}` },
  })) as TokenResponse;
}
