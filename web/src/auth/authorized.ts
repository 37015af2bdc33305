// Runs a call that needs the access token. If the server refuses the token
// (expired a moment ago, or the account changed), refresh once and try
// again; only then does the caller see `unauthenticated`.
import { ApiError } from '../api/problem';
import { refreshNow } from './session';
import { currentToken } from './token';

export async function authorized<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
  const attempt = () => {
    const token = currentToken();
    if (!token) throw new ApiError('unauthenticated', 401, 'Not signed in.');
    return call(token);
  };
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'unauthenticated') throw error;
    if (!(await refreshNow())) throw error;
    return attempt();
  }
}
