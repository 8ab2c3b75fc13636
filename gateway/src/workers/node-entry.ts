import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How a child Node process runs the module `path` (relative, without its extension) beside the
 * module `base` (the caller's `import.meta.url`): the built `.js`, or, when the gateway runs from
 * its TypeScript sources (tests, `npm run dev`), the `.ts` through tsx, which those runs have.
 * `execArgv` goes before the script's path.
 *
 * The path is not written as a literal `.js` URL of `import.meta.url`: the export's module tracer
 * takes that form for a worker every runner needs, where these processes are needed only by
 * some (runner-files.ts adds them where they are).
 */
export function nodeEntry(base: string, path: string): { script: string; execArgv: string[] } {
  const fromSources = base.endsWith('.ts');
  const script = fileURLToPath(new URL(`${path}.${fromSources ? 'ts' : 'js'}`, base));
  if (!fromSources) return { script, execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { script, execArgv: ['--import', tsx] };
}
