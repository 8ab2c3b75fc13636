// The table reader thread (see read-table.ts): parses one file, sending a batch of rows for
// each credit the main thread grants, so it never runs further ahead than the consumer allows.
import { parentPort } from 'node:worker_threads';
import { parseTable } from './parse-table.js';
import {
  toWireError,
  type FromReaderThread,
  type TableJob,
  type TableProgress,
  type ToReaderThread,
} from './table-job.js';

const port = parentPort!;
let credits = 0;
let granted: (() => void) | undefined;

port.on('message', (message: ToReaderThread) => {
  if (message.kind === 'start') void read(message.job, message.credits);
  else {
    credits++;
    granted?.();
  }
});

const send = (message: FromReaderThread) => port.postMessage(message);

async function read(job: TableJob, initialCredits: number): Promise<void> {
  credits += initialCredits;
  const progress: TableProgress = { bytesRead: 0, rowsParsed: 0 };
  try {
    const batches = parseTable(job, progress);
    for (;;) {
      const next = await batches.next();
      if (next.done) return send({ kind: 'end', summary: next.value, progress });
      while (credits === 0) await new Promise<void>((resolve) => (granted = resolve));
      credits--;
      send({ kind: 'rows', rows: next.value, progress });
    }
  } catch (err) {
    send({ kind: 'error', error: toWireError(err), progress });
  }
}
