import { useEffect, useState } from 'react';

/** The current hash route: path segments and query parameters. */
export interface Route {
  readonly path: string;
  readonly parts: readonly string[];
  readonly query: URLSearchParams;
}

function parse(): Route {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?');
  return { path, parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

/** The route in the address bar's hash, re-rendered on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = (): void => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Goes to a route (`/objects/…`). */
export function navigate(path: string): void {
  window.location.hash = path;
}

/** The href of a route, for links. */
export function href(path: string): string {
  return `#${path}`;
}
