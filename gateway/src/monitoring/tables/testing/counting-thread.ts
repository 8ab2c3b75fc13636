// A reader thread for tests: counts the batches it has made in this read (each made before it
// waits for its credit), and answers `{ kind: 'count' }` with that count.
import { serveTableReads } from '../table-thread.js';

let made = 0;

serveTableReads({
  setup: () => {
    made = 0;
  },
  batch: (rows) => {
    made++;
    return { batch: rows };
  },
  other: (_message, send) => send({ kind: 'count', made }),
});
