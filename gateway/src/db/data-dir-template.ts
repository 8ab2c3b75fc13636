import { createHash } from 'node:crypto';
import { constants, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A migrated, cleanly closed embedded database that a fresh data dir starts as a copy of.
 * Creating a database (PGlite's initdb, then every migration, then a second start to give back
 * the memory initdb leaves behind) takes seconds; copying its 40 MB takes a fraction of one.
 * `npm run build` makes the template (make-db-template.ts) into `dist/db-template`:
 *
 *     db-template/
 *       slipway-template.json   {"key": "<what it was made from>"}
 *       data/                   the data dir
 *
 * A template made from other migrations or another PGlite (a build not redone after an upgrade)
 * has another key, and is not used: the data dir is then created as without one.
 */
export const TEMPLATE_MARK = 'slipway-template.json';

/** The data dir inside a template. */
export const templateData = (templateDir: string) => join(templateDir, 'data');

/** What a template is made from: the migrations' files and the PGlite version, hashed. */
export async function templateKey(migrationsFolder: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`pglite ${await pgliteVersion()}\n`);
  const files = async (dir: string): Promise<string[]> =>
    (
      await Promise.all(
        (await readdir(dir, { withFileTypes: true })).map(async (e) =>
          e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
        ),
      )
    ).flat();
  for (const file of (await files(migrationsFolder)).sort()) {
    hash.update(`${file.slice(migrationsFolder.length)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/**
 * Makes `dataDir` a copy of the template in `templateDir`, when `dataDir` holds no database yet
 * and the template was made with the key `key()` answers (asked only for a fresh data dir: a
 * restart does not hash the migrations). Answers whether it did; a data dir that holds a
 * database is never touched.
 */
export async function seedDataDir(
  dataDir: string,
  templateDir: string,
  key: () => Promise<string>,
): Promise<boolean> {
  if (await exists(join(dataDir, 'PG_VERSION'))) return false;
  const mark = await readFile(join(templateDir, TEMPLATE_MARK), 'utf8').catch(() => undefined);
  if (!mark || (JSON.parse(mark) as { key?: unknown }).key !== (await key())) return false;
  if (!(await exists(join(templateData(templateDir), 'PG_VERSION')))) return false;
  copyTree(templateData(templateDir), dataDir);
  return true;
}

/**
 * Copies the folder `from` into `to`, never over a file that is there. Synchronous on purpose:
 * it runs once, at start-up, before anything is served, and for the template's thousand small
 * files synchronous copies take ~0.1 s where `fs.promises.cp` takes ~1.4 s and copies through
 * the thread pool ~0.35 s. A copy-on-write clone where the file system has them.
 */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, e.name);
    const b = join(to, e.name);
    if (e.isDirectory()) copyTree(a, b);
    else if (e.isFile()) copyFileSync(a, b, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  }
}

/** The installed PGlite's version (its package.json is not among its exports: found from its entry). */
async function pgliteVersion(): Promise<string> {
  let at = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = await readFile(join(at, 'package.json'), 'utf8').catch(() => undefined);
    const parsed = manifest && (JSON.parse(manifest) as { name?: string; version?: string });
    if (parsed && parsed.name === '@electric-sql/pglite') return parsed.version ?? '';
    if (dirname(at) === at) return '';
    at = dirname(at);
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
