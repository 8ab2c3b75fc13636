// Makes the embedded database's template into the folder named (`npm run build`: dist/db-template):
// a fresh gateway's data dir starts as a copy of it instead of being created and migrated
// (src/db/data-dir-template.ts).
import { makeTemplate } from '../src/db/make-db-template.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: tsx scripts/make-db-template.ts <template dir>');
  process.exit(2);
}
const started = performance.now();
await makeTemplate(dir);
console.error(
  `[slipway] embedded database template in ${dir} (${Math.round(performance.now() - started)} ms)`,
);
