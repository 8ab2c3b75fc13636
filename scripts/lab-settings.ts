// JupyterLab's token and root folder under `npm start`: the same URL on every start, and
// notebooks in a workspace folder of their own rather than in Slipway's checkout.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** URL-safe (it travels in `?token=`), and long enough not to be guessed. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,}$/;
const TOKEN_RULE = 'at least 16 characters, each a letter, a digit, "-" or "_"';

/** JupyterLab's token, and where it is kept (undefined when it came from the environment). */
export interface LabToken {
  token: string;
  file?: string;
}

/**
 * `SLIPWAY_LAB_TOKEN` when set; else the token in `<dataDir>/lab-token`, made (mode 0600) on
 * the first start. A token that breaks the rule is refused: an empty one would turn
 * JupyterLab's authentication off.
 */
export function resolveLabToken(dataDir: string, fromEnv: string | undefined): LabToken {
  if (fromEnv !== undefined) {
    if (!TOKEN_PATTERN.test(fromEnv))
      throw new Error(
        `SLIPWAY_LAB_TOKEN must be ${TOKEN_RULE} (got ${fromEnv.length} characters${fromEnv ? '' : ': empty'}); unset it to use the token kept in ${join(dataDir, 'lab-token')}`,
      );
    return { token: fromEnv };
  }
  const file = join(dataDir, 'lab-token');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (!TOKEN_PATTERN.test(kept))
      throw new Error(
        `${file} must hold one token of ${TOKEN_RULE}; delete the file to have a new one made`,
      );
    return { token: kept, file };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  // 'wx': two starts at once must not both write; the loser reads the winner's.
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveLabToken(dataDir, fromEnv);
    throw err;
  }
  return { token, file };
}

/**
 * JupyterLab's root folder: `SLIPWAY_NOTEBOOK_DIR` when set, else `~/slipway-workspace`.
 * Never the checkout itself: notebooks there would be mixed with Slipway's own files, and
 * outside `<data dir>`: removing that to start afresh must not remove anyone's notebooks.
 */
export function notebookDir(fromEnv: string | undefined, home: string): string {
  if (fromEnv !== undefined && fromEnv.trim() === '')
    throw new Error(
      'SLIPWAY_NOTEBOOK_DIR is empty: expected a folder for the notebooks (unset it for ~/slipway-workspace)',
    );
  return fromEnv !== undefined ? resolve(fromEnv) : join(home, 'slipway-workspace');
}

/** Makes the notebook folder when it is missing; refuses a path that is not a folder. */
export function ensureNotebookDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new Error(
        `the notebook folder ${dir} is a file; expected a folder (SLIPWAY_NOTEBOOK_DIR picks another)`,
      );
    return;
  }
  mkdirSync(dir, { recursive: true });
}
