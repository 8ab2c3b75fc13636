import { InvocationJournal, REFUSED_FILE, type Segment } from './invocation-journal.js';
import { journalLine, rowFromLine, withNote, type LoggedCall } from './loggable-row.js';

/** Where journalled rows end up. */
export interface InvocationSink {
  insertMany(rows: LoggedCall[]): Promise<void>;
}

export interface InvocationLogOptions {
  /** Longest a row waits before the writer moves it to the database. */
  flushMs?: number;
  /** Most rows per insert. */
  batchSize?: number;
  /** Most characters of journal per insert: a batch of large calls ends before `batchSize` rows. */
  batchBytes?: number;
  /** Largest input or output kept whole, in bytes of JSON; larger ones are replaced by a note. */
  maxValueBytes?: number;
  /**
   * Journal not yet in the database above which calls' inputs and outputs are sampled: one call
   * in `sampleEvery` keeps them, the others are logged without (their status, latency and the
   * monitor's part stay), so that a database that cannot keep up neither slows callers nor fills
   * the journal. Default: never.
   */
  sampleAboveBytes?: number;
  /** One call in this many keeps its values while sampling (default 10). */
  sampleEvery?: number;
  /** Told of each call whose values sampling left out (a metric counts them). */
  onSampledOut?: () => void;
  /** Errors of the database writer (retried later), and lines it could not read. */
  onError?: (err: unknown) => void;
}

/**
 * Records every call durably and without putting the database on the hot path. `record`
 * resolves once the row is in the journal on disk (group commit: concurrent calls share one
 * fsync), so an answer is sent only for a call whose row survives a crash. A background writer
 * moves journal segments to the database as multi-row inserts, isolating a row the database
 * refuses (stored with its values replaced by a note) so that it never blocks the others, and
 * keeping segments on disk while the database is away. What a crash left in the journal is
 * written at the next start (`replay`); inserts ignore ids already there. When the database
 * falls behind by more than `sampleAboveBytes`, calls' inputs and outputs are kept for one call
 * in `sampleEvery` only (counted, and noted on each row), rather than slowing the callers.
 */
export class InvocationLog {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Closed segments not yet in the database, oldest first. */
  private backlog: Segment[] = [];
  private closed = false;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly batchBytes: number;
  private readonly maxValueBytes: number;
  private readonly sampleAboveBytes: number;
  private readonly sampleEvery: number;
  private readonly onSampledOut: () => void;
  /** Calls with values seen while sampling: every `sampleEvery`-th keeps them. */
  private sampled = 0;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly journal: InvocationJournal,
    private readonly sink: InvocationSink,
    {
      flushMs = 200,
      batchSize = 2000,
      batchBytes = 4 * 1024 * 1024,
      maxValueBytes = 1024 * 1024,
      sampleAboveBytes = Infinity,
      sampleEvery = 10,
      onSampledOut = () => {},
      onError = () => {},
    }: InvocationLogOptions = {},
  ) {
    this.flushMs = flushMs;
    this.batchSize = batchSize;
    this.batchBytes = batchBytes;
    this.maxValueBytes = maxValueBytes;
    this.sampleAboveBytes = sampleAboveBytes;
    this.sampleEvery = Math.max(1, sampleEvery);
    this.onSampledOut = onSampledOut;
    this.onError = onError;
  }

  /** Opens the journal and writes what a previous run left in it to the database. */
  async replay(): Promise<void> {
    this.backlog.push(...(await this.journal.open()));
    await this.flush();
  }

  /**
   * Journals one row; resolves once it is on disk. Rejects (`JournalFullError`) when the journal
   * cannot take it: the call must then not be answered as done.
   */
  async record(row: LoggedCall): Promise<void> {
    if (this.closed) throw new Error('the invocation log is closed');
    await this.journal.append(journalLine(this.sample(row), this.maxValueBytes));
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(() => {}), this.flushMs);
      this.timer.unref();
    }
  }

  /**
   * Moves everything journalled so far to the database; resolves when it is there. Rejects
   * when the database is away (the rows stay in the journal and are written later).
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // One writer at a time, so that rows reach the database in order.
    const run = this.writing.catch(() => {}).then(() => this.writeAll());
    this.writing = run;
    return run;
  }

  /** The row as the log keeps it: without its values when sampling leaves them out. */
  private sample(row: LoggedCall): LoggedCall {
    const behind = this.journal.pendingBytes;
    const values = (row.input ?? null) !== null || (row.output ?? null) !== null;
    if (behind <= this.sampleAboveBytes || !values) return row;
    if (this.sampled++ % this.sampleEvery === 0) return row;
    this.onSampledOut();
    const mb = Math.round(behind / 1024 / 1024);
    return {
      ...row,
      input: null,
      output: null,
      truncated: `input and output not kept: the log was ${mb} MB behind the database, and kept them for one call in ${this.sampleEvery}`,
    };
  }

  /** Rows journalled but not yet in the database, in bytes of journal. */
  get pendingBytes(): number {
    return this.journal.pendingBytes;
  }

  /** Writes what is left; stops taking rows. What the database cannot take stays journalled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush().catch((err: unknown) => this.onError(err));
  }

  private async writeAll(): Promise<void> {
    const segment = await this.journal.rotate();
    if (segment) this.backlog.push(segment);
    while (this.backlog.length > 0) {
      const next = this.backlog[0]!;
      try {
        await this.writeSegment(next);
      } catch (err) {
        this.onError(err);
        // The database is away: keep the journal, drop the copy in memory, try again later.
        for (const s of this.backlog) delete s.lines;
        if (!this.closed && !this.timer) {
          this.timer = setTimeout(() => void this.flush().catch(() => {}), this.flushMs * 5);
          this.timer.unref();
        }
        throw err;
      }
      this.backlog.shift();
      await this.journal.remove(next);
    }
  }

  private async writeSegment(segment: Segment): Promise<void> {
    // Each insert (one transaction, with its rollups) costs the same whatever its size, so a
    // batch takes as many rows as it may: `batchSize` rows, `batchBytes` characters of journal.
    let batch: LoggedCall[] = [];
    let bytes = 0;
    for (const line of await InvocationJournal.lines(segment)) {
      let row: LoggedCall;
      try {
        row = rowFromLine(line);
      } catch (err) {
        // Only a line a crash cut short can fail to parse, and its call was never answered.
        this.onError(
          new Error(`skipped an unreadable journal line in ${segment.path}`, { cause: err }),
        );
        continue;
      }
      if (
        batch.length > 0 &&
        (batch.length >= this.batchSize || bytes + line.length > this.batchBytes)
      ) {
        await this.insertIsolating(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(row);
      bytes += line.length;
    }
    if (batch.length > 0) await this.insertIsolating(batch);
  }

  /**
   * Inserts a batch; when the database refuses it, finds the rows it refuses one by one and
   * stores each with its values replaced by a note. A refusal of the note too is the database
   * away (that error goes up and the rows are written later) unless the database says the row
   * itself is wrong (a data or constraint error, such as an id that is not a UUID): that row is
   * set aside in the journal's `refused.jsonl`, reported, and the others go on, so that one bad
   * row can never stop the log, nor a gateway from starting.
   */
  private async insertIsolating(rows: LoggedCall[]): Promise<void> {
    try {
      await this.sink.insertMany(rows);
      return;
    } catch (err) {
      if (rows.length === 1) {
        const row = rows[0]!;
        try {
          await this.sink.insertMany([withNote(row, describe(err))]);
        } catch (again) {
          if (!refusesTheRow(again)) throw again;
          await this.journal.setAside(journalLine(row, this.maxValueBytes));
          this.onError(
            new Error(
              `invocation log: the database refuses call ${row.id} whatever it holds; kept in the journal's ${REFUSED_FILE}`,
              { cause: again },
            ),
          );
        }
        return;
      }
    }
    const half = Math.ceil(rows.length / 2);
    await this.insertIsolating(rows.slice(0, half));
    await this.insertIsolating(rows.slice(half));
  }
}

/**
 * Whether the database refused a row for what it holds: SQLSTATE class 22 (data exception) or
 * 23 (integrity constraint violation), on the error or its cause (drizzle wraps the driver's).
 */
function refusesTheRow(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
    e = e.cause;
  }
  return false;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `the database refused the row: ${message.slice(0, 200)}`;
}
