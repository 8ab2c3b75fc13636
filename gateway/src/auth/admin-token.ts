import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newToken } from './tokens.js';

/**
 * The admin token: the configured one, else the one in `<dataDir>/admin-token`, else a new
 * one written there with mode 0600. `generated` tells the caller to print it once.
 */
export function resolveAdminToken(
  dataDir: string,
  configured?: string,
): Promise<{ token: string; generated: boolean; file?: string }> {
  return resolveSecret(dataDir, 'admin-token', configured);
}

/**
 * A secret kept in the data dir as the admin token is: the configured one, else the one in
 * `<dataDir>/<name>`, else a new one written there with mode 0600 (`npm start` keeps the
 * Jupyter server proxy's credential, `proxy-token`, so).
 */
export async function resolveSecret(
  dataDir: string,
  name: string,
  configured?: string,
): Promise<{ token: string; generated: boolean; file?: string }> {
  if (configured) return { token: configured, generated: false };
  const file = join(dataDir, name);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token) return { token, generated: false, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const token = newToken('sa');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return { token, generated: true, file };
}
