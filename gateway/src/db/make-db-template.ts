import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MIGRATIONS_FOLDER, openDatabase } from './client.js';
import { TEMPLATE_MARK, templateData, templateKey } from './data-dir-template.js';

/**
 * Makes the embedded database's template (data-dir-template.ts) in `dir`: a database created and
 * migrated in a folder beside it, closed cleanly, marked with its key, then moved into place
 * whole (a build stopped halfway leaves no half template). `npm run build` runs it
 * (scripts/make-db-template.ts) into `dist/db-template`.
 */
export async function makeTemplate(dir: string): Promise<void> {
  const target = resolve(dir);
  const making = await mkdtemp(join(dirname(target), '.db-template-'));
  try {
    const database = await openDatabase({ dataDir: templateData(making) });
    await database.close();
    const key = await templateKey(MIGRATIONS_FOLDER);
    await writeFile(join(making, TEMPLATE_MARK), `${JSON.stringify({ key })}\n`);
    await rm(target, { recursive: true, force: true });
    await rename(making, target);
  } finally {
    await rm(making, { recursive: true, force: true });
  }
}
