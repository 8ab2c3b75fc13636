/**
 * Wire types of the service endpoints (`/api/health`, `/api/pools`).
 * Shared with the JupyterLab extension: this file imports nothing.
 */

/** `GET /api/health`, the one endpoint without a token. */
export interface Health {
  status: 'ok';
  database: 'pglite' | 'postgres';
  /** The gateway's version (semver); the extension checks it is one it speaks to. */
  version: string;
}

/** One pool as `GET /api/pools` lists it. */
export interface PoolInfo {
  name: 'cpu' | 'gpu' | 'highmem';
  backend: 'local';
  /** Deployments placed on the pool. */
  deployments: number;
}
