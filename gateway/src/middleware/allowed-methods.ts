/** A route as Hono lists it (`app.routes`); middleware has the method `ALL`. */
interface RouteEntry {
  method: string;
  path: string;
}

/** A Hono path (`/api/deployments/:name/runs/:id`, `/fn/*`) as a pattern matching whole paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) =>
      part === '*'
        ? '.*'
        : part.startsWith(':')
          ? '[^/]+'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * For a request no route answered: the methods routes answer its path with, for a 405 and its
 * `Allow` header (HEAD with GET, as Hono answers it); none when no route has the path (a 404).
 * The route table is read once, on first use, when every route is mounted.
 */
export function allowedMethods(routes: readonly RouteEntry[]): (path: string) => string[] {
  let table: { method: string; pattern: RegExp }[] | undefined;
  return (path) => {
    table ??= routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  };
}
