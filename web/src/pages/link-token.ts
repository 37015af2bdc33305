// The token from an emailed link (?token=…). Read once, then removed from
// the address bar and history: it is a credential, and a URL gets copied,
// bookmarked and shown on screen. (The page also sends no Referer.)
import { useState } from 'preact/hooks';

export function useLinkToken(): string | null {
  const [token] = useState(() => {
    const url = new URL(location.href);
    const value = url.searchParams.get('token');
    if (value !== null) {
      url.searchParams.delete('token');
      history.replaceState(null, '', url.pathname + url.search);
    }
    return value || null;
  });
  return token;
}
