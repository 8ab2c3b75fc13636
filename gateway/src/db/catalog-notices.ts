import type { Sql } from 'postgres';

/** The Postgres channel catalog changes are announced on; the payload is a deployment's name. */
export const CATALOG_CHANNEL = 'slipway_catalog';

/**
 * How the gateways sharing one database tell each other that a deployment changed, so that
 * each forgets what its catalog read of it at once instead of after the catalog's TTL.
 */
export interface CatalogNotices {
  /** Tells every gateway on the database, this one included, that deployment `name` changed. */
  announce(name: string): Promise<void>;
  /**
   * Calls `onChange` with every name announced, and with undefined whenever the subscription
   * (re)connects, since notices may have been missed while it was away: forget everything
   * then. Answers what stops the calls. `onChange` must not throw; a promise it answers is not
   * awaited here.
   */
  subscribe(
    onChange: (name: string | undefined) => void | Promise<void>,
  ): Promise<() => Promise<void>>;
}

/** One process (PGlite): every change is made through this gateway, so no one is to be told. */
export const noCatalogNotices: CatalogNotices = {
  announce: () => Promise.resolve(),
  subscribe: () => Promise.resolve(() => Promise.resolve()),
};

/**
 * Notices through Postgres `LISTEN`/`NOTIFY`. postgres.js listens on a connection of its own
 * and listens again after it drops (its `onlisten` then says so: the callback's undefined).
 */
export function postgresCatalogNotices(sql: Sql): CatalogNotices {
  return {
    async announce(name) {
      await sql.notify(CATALOG_CHANNEL, name);
    },
    async subscribe(onChange) {
      let stopped = false;
      // A listener that threw would break the connection's reading of notices.
      const tell = (name: string | undefined) => {
        if (!stopped) void (async () => onChange(name))().catch(() => {});
      };
      const { unlisten } = await sql.listen(CATALOG_CHANNEL, tell, () => tell(undefined));
      return () => {
        stopped = true;
        // Not awaited: with the server away it would wait for a connection. Closing the
        // database ends the listening connection in any case.
        void unlisten().catch(() => {});
        return Promise.resolve();
      };
    },
  };
}
