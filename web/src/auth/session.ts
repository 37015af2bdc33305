// Signing in and out, and keeping the access token fresh.
//
// - On page load, `restore()` asks for a new access token with the refresh
//   cookie: a reload or a new tab is signed in without a password.
// - About a minute before the access token expires, it is refreshed; and
//   once more if the server answers 401 anyway (see api/graphql.ts).
// - Refreshes never overlap: callers in this tab share one in-flight
//   request, and tabs take turns through a Web Lock. Each refresh rotates
//   the cookie (the old value stops working), so two tabs refreshing with
//   the same value at once would look like a stolen token to the server.
import * as rest from '../api/rest';
import { ApiError } from '../api/problem';
import { claimsOf, setToken, type Claims } from './token';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; claims: Claims };

let state: SessionState = { status: 'loading' };
const listeners = new Set<(s: SessionState) => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;

export function sessionState(): SessionState {
  return state;
}

export function onSessionChange(listener: (s: SessionState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener(next);
}

/** Keeps a new access token and schedules the next refresh. */
function adopt(tokens: rest.TokenResponse): void {
  setToken(tokens.access_token);
  const claims = claimsOf(tokens.access_token);
  clearTimeout(timer);
  // 60 s before expiry; for very short lifetimes, halfway.
  const lead = tokens.expires_in > 120 ? 60 : tokens.expires_in / 2;
  timer = setTimeout(() => void refreshNow(), (tokens.expires_in - lead) * 1000);
  publish(claims ? { status: 'signed-in', claims } : { status: 'signed-out' });
}

function forget(reason?: string): void {
  clearTimeout(timer);
  setToken(null);
  publish(reason ? { status: 'signed-out', reason } : { status: 'signed-out' });
}

export async function signIn(email: string, password: string): Promise<void> {
  adopt(await rest.login({ email, password }));
}

export async function signOut(): Promise<void> {
  try {
    await rest.logout(); // ends the session server-side and clears the cookie
  } finally {
    forget();
  }
}

/** After a password change the server sent a new token (and a new cookie). */
export function adoptTokens(tokens: rest.TokenResponse): void {
  adopt(tokens);
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` while holding the cross-tab refresh lock, where browsers have one. */
function exclusively<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && 'locks' in navigator) {
    return navigator.locks.request('capstone-refresh', task) as Promise<T>;
  }
  return task();
}

async function attemptRefresh(): Promise<boolean> {
  try {
    adopt(await exclusively(() => rest.refresh()));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/**
 * Exchanges the refresh cookie for a new access token. Resolves true when
 * signed in afterwards. A 401 is tried once more after a short pause:
 * another tab may have rotated the cookie a moment ago, and the browser
 * sends the newer value the second time. A network error or a 503 does
 * not sign the user out (the token may be fine; the server is not).
 */
export function refreshNow(): Promise<boolean> {
  inFlight ??= (async () => {
    try {
      if (await attemptRefresh()) return true;
      // On page load with no cookie there is nothing to retry for.
      if (state.status === 'signed-in') {
        await wait(400);
        if (await attemptRefresh()) return true;
      }
      forget(state.status === 'signed-in' ? 'Your session has ended. Please sign in again.' : undefined);
      return false;
    } catch {
      // Unreachable server: keep what we have; the next call tries again.
      if (state.status === 'loading') publish({ status: 'signed-out' });
      return state.status === 'signed-in';
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/** Page load: silently sign in again if the browser holds a refresh cookie. */
export function restore(): Promise<boolean> {
  return refreshNow();
}
