import { parentPort, type Transferable } from 'node:worker_threads';
import type { Row } from './columns.js';
import { parseTable } from './parse-table.js';
import {
  RESET_DONE,
  toWireError,
  type FromReaderThread,
  type TableJob,
  type TableProgress,
  type ToReaderThread,
} from './table-job.js';

/**
 * What a reader thread of a caller's own does with each batch before it goes to the main
 * thread (validating and stacking a job's records, say), set up from the start message's
 * `setup`; and what it answers to the messages that are not the reader's own.
 */
export interface BatchStep<B> {
  setup(setup: unknown): void;
  batch(rows: Row[]): { batch: B; transfer?: Transferable[] };
  other?(message: unknown, send: (message: unknown, transfer?: Transferable[]) => void): void;
  /** The read is over and the thread waits for another: let go of what it held. */
  reset?(): void;
}

/**
 * Serves table reads on this worker thread, one after another: parses the file each start
 * message names, sending a batch (the rows, or what `step` makes of them) for each credit the
 * main thread grants, so it never runs further ahead than the consumer allows. Between reads
 * (a thread kept warm, see `WarmThreads`) a `reset` forgets the read before.
 */
export function serveTableReads<B = Row[]>(step?: BatchStep<B>): void {
  const port = parentPort!;
  let credits = 0;
  /** The read under way: its batches' size may change as it goes (`resize`). */
  let reading: TableJob | undefined;
  let granted: (() => void) | undefined;
  const send = (message: FromReaderThread<B>, transfer: Transferable[] = []) =>
    port.postMessage(message, transfer);

  const read = async (job: TableJob, initialCredits: number): Promise<void> => {
    reading = job;
    // Each read has the credits its start gives: none are left from a read before.
    credits = initialCredits;
    const progress: TableProgress = { bytesRead: 0, rowsParsed: 0 };
    try {
      const batches = parseTable(job, progress);
      for (;;) {
        const next = await batches.next();
        if (next.done) return send({ kind: 'end', summary: next.value, progress });
        // Made before the wait for a credit: the rows read go at once, and what waits is what
        // the step made of them (a job's stacked chunk), not an object per row.
        const made = step ? step.batch(next.value) : { batch: next.value as B };
        while (credits === 0) await new Promise<void>((resolve) => (granted = resolve));
        credits--;
        send({ kind: 'rows', rows: made.batch, progress }, made.transfer);
      }
    } catch (err) {
      send({ kind: 'error', error: toWireError(err), progress });
    }
  };

  port.on('message', (message: ToReaderThread | { kind?: unknown }) => {
    if (message.kind === 'start') {
      const start = message as Extract<ToReaderThread, { kind: 'start' }>;
      try {
        step?.setup(start.setup);
      } catch (err) {
        return send({
          kind: 'error',
          error: toWireError(err),
          progress: { bytesRead: 0, rowsParsed: 0 },
        });
      }
      void read(start.job, start.credits);
    } else if (message.kind === 'more') {
      credits++;
      granted?.();
    } else if (message.kind === 'reset') {
      // Sent once the read has ended (its last message was its end): no loop is reading.
      reading = undefined;
      granted = undefined;
      step?.reset?.();
      port.postMessage(RESET_DONE);
    } else if (message.kind === 'resize') {
      const { batchRows } = message as Extract<ToReaderThread, { kind: 'resize' }>;
      if (reading) reading.batchRows = batchRows;
    } else step?.other?.(message, (m, transfer) => port.postMessage(m, transfer ?? []));
  });
}
