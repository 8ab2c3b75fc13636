// `npm run extension:install -- [--python /path/to/python]`: builds the extension against an
// existing JupyterLab 4 (its Python, default `python3` on PATH) and installs it there as a
// prebuilt extension. Restart that JupyterLab afterwards.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildExtension, LABEXTENSION_DIR } from './build-extension.js';

const { values } = parseArgs({ options: { python: { type: 'string', default: 'python3' } } });
const python = values.python!;

let prefix: string;
try {
  const probe = 'import sys, jupyterlab; print(sys.prefix); print(jupyterlab.__version__)';
  const [p, version] = execFileSync(python, ['-c', probe], { encoding: 'utf8' }).trim().split('\n');
  if (!/^4\./.test(version))
    throw new Error(`JupyterLab ${version} found; Slipway needs JupyterLab 4`);
  prefix = p;
} catch (err) {
  console.error(
    `[slipway] ${python} has no usable JupyterLab 4 (${(err as Error).message.split('\n')[0]}).\n` +
      '  Pass the Python of your JupyterLab: npm run extension:install -- --python /path/to/python',
  );
  process.exit(1);
}

// Built against that JupyterLab's own packages, so the shared modules match it.
await buildExtension(python, true);
const target = join(prefix, 'share/jupyter/labextensions/slipway');
rmSync(target, { recursive: true, force: true });
cpSync(LABEXTENSION_DIR, target, { recursive: true });
console.log(`[slipway] installed into ${target}`);
console.log(
  '[slipway] restart JupyterLab, then set the gateway URL and token in Settings → Slipway',
);
