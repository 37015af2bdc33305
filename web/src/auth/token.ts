// The access token lives here, in a module variable, and nowhere else:
// not localStorage, not sessionStorage, not a cookie. A script injected
// into the page could read those long after the tab is closed; memory dies
// with the tab. (The refresh token is in an HttpOnly cookie that no script,
// ours included, can read: that is what restores a session on reload.)

let accessToken: string | null = null;

export function currentToken(): string | null {
  return accessToken;
}

export function setToken(token: string | null): void {
  accessToken = token;
}

/** The claims the app reads; the server verifies the signature, not us. */
export interface Claims {
  sub: string;
  role: string;
  iat: number;
  exp: number;
}

/** Decodes the JWT's payload (base64url JSON) without verifying it. */
export function claimsOf(token: string): Claims | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    return JSON.parse(json) as Claims;
  } catch {
    return null;
  }
}
