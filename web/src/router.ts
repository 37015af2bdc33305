// Client-side routing with the History API: real paths, no `#`, because
// the emails link to /verify-email?token=… and /reset-password?token=…,
// and the gateway answers every page path with index.html.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
let navigated = false;
const notify = () => {
  navigated = true;
  listeners.forEach((listener) => listener());
};
window.addEventListener('popstate', notify);

/** False until the first in-app navigation: the first page keeps the browser's focus. */
export function hasNavigated(): boolean {
  return navigated;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

/** The current path and query; re-renders the caller when they change. */
export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Follows a same-app link without reloading; modified clicks open tabs as usual. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute('href') ?? '/');
}
