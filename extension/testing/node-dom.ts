/**
 * Test support: a jsdom window as the globals of a test that runs in vitest's node
 * environment. Needed where a widget test also starts the real gateway: under the jsdom
 * environment vite compiles modules for the browser and rewrites `new URL(…, import.meta.url)`
 * to http URLs, so the gateway cannot find its files (migrations). Import it first, before
 * `dom-shims.js` and any JupyterLab module.
 */
import { JSDOM } from 'jsdom';
import { populateGlobal } from 'vitest/environments';

const dom = new JSDOM('<!DOCTYPE html><html><head></head><body></body></html>', {
  pretendToBeVisual: true,
  url: 'http://localhost:3000/',
});
// Node's own, which the gateway and PGlite use (jsdom's Blob has no arrayBuffer()).
const NODE_KEEPS = [
  'AbortController',
  'AbortSignal',
  'Blob',
  'File',
  'FormData',
  'Headers',
  'ReadableStream',
  'Request',
  'Response',
  'TextDecoder',
  'TextEncoder',
  'URL',
  'URLSearchParams',
  'crypto',
  'fetch',
  'performance',
  'structuredClone',
] as const;
const g = globalThis as unknown as Record<string, unknown>;
const kept = NODE_KEEPS.map((key) => [key, g[key]] as const);
populateGlobal(globalThis, dom.window, { bindFunctions: true });
for (const [key, value] of kept)
  Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
