import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How a child Node process runs the module `entry` names (a `.js` URL beside the caller): the
 * built `.js`, or, when the gateway runs from its TypeScript sources (tests, `npm run dev`), the
 * `.ts` through tsx, which those runs have. `execArgv` goes before the script's path.
 */
export function nodeEntry(entry: URL): { script: string; execArgv: string[] } {
  if (!entry.pathname.endsWith('.js')) throw new Error(`process entry must be a .js URL: ${entry}`);
  if (!import.meta.url.endsWith('.ts')) return { script: fileURLToPath(entry), execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return {
    script: fileURLToPath(new URL(entry.href.replace(/\.js$/, '.ts'))),
    execArgv: ['--import', tsx],
  };
}
