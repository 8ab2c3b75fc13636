import { createRequire } from 'node:module';

/** The gateway's version, from its package.json. */
export const GATEWAY_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
