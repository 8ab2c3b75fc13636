import type { CatalogNotices } from '../../src/db/catalog-notices.js';
import type { Database } from '../../src/db/client.js';

/**
 * `database` whose catalog notices also say when the gateway using it has dealt with one
 * (`handled`). A test waits for a marker notice sent after a change: notices of different
 * transactions arrive in the order they committed, so once the marker is handled, so is the
 * change's notice — no sleep, no timing.
 */
export function observed(database: Database) {
  const waiting = new Map<string, () => void>();
  const catalogNotices: CatalogNotices = {
    announce: (name) => database.catalogNotices.announce(name),
    subscribe: (onChange) =>
      database.catalogNotices.subscribe(async (name) => {
        await onChange(name);
        if (name !== undefined) waiting.get(name)?.();
      }),
  };
  return {
    database: { ...database, catalogNotices } satisfies Database,
    handled: (name: string) => new Promise<void>((done) => waiting.set(name, done)),
  };
}
