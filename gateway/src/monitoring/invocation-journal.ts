import {
  appendFile,
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';

/** A closed journal segment: its rows are durable, and written to the database later. */
export interface Segment {
  /** Absolute path of the segment file. */
  path: string;
  /** The lines it holds, when still in memory (a segment read back from disk has none). */
  lines?: string[];
  bytes: number;
}

export interface InvocationJournalOptions {
  /** Longest the journal may grow on disk (closed segments not yet in the database). */
  maxBytes: number;
  /** `fsync` each commit (the default); off, a crash of the machine may lose the last rows. */
  sync?: boolean;
}

const SEGMENT = /^(\d{12})\.jsonl$/;
const NEWLINE = Buffer.from('\n');

/** The journal cannot take the line: the disk is full, or the spool bound was reached. */
export class JournalFullError extends Error {
  override name = 'JournalFullError';
}

/**
 * An append-only write-ahead file for the invocation log, written with group commit: every
 * line appended while a commit is on its way goes into the next one, so many calls share one
 * `write` and one `fdatasync`, and each `append` resolves only once its line is on disk.
 * `rotate()` closes the current segment for the database writer; segments that reached the
 * database are removed, and whatever a crash left behind is read back at the next start.
 */
/** Where rows the database refuses whatever they hold are kept (see `setAside`). */
export const REFUSED_FILE = 'refused.jsonl';

export class InvocationJournal {
  private handle: FileHandle | undefined;
  private current: { seq: number; path: string; lines: string[]; bytes: number } | undefined;
  private nextSeq = 1;
  private queued: { line: string; done: () => void; fail: (err: unknown) => void }[] = [];
  private committing: Promise<void> | undefined;
  /** Set while a rotation closes the segment: commits wait, so that it cannot starve. */
  private paused = false;
  /** Bytes of closed segments not yet removed, and of the current one. */
  private spooled = 0;
  private readonly sync: boolean;

  constructor(
    private readonly dir: string,
    private readonly options: InvocationJournalOptions,
  ) {
    this.sync = options.sync ?? true;
  }

  /** Creates the folder and answers the segments a previous run left (oldest first). */
  async open(): Promise<Segment[]> {
    await mkdir(this.dir, { recursive: true });
    const left: Segment[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      const m = SEGMENT.exec(name);
      if (!m) continue;
      const path = join(this.dir, name);
      const bytes = (await stat(path)).size;
      this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
      this.spooled += bytes;
      left.push({ path, bytes });
    }
    return left;
  }

  /** Durably appends one line (no newline in it); resolves once it is on disk. */
  append(line: string): Promise<void> {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.spooled + bytes > this.options.maxBytes)
      return Promise.reject(
        new JournalFullError(
          `the invocation journal holds ${this.spooled} bytes not yet in the database, its limit`,
        ),
      );
    this.spooled += bytes;
    return new Promise<void>((done, fail) => {
      this.queued.push({ line, done, fail });
      if (!this.paused) this.committing ??= this.commitLoop();
    });
  }

  /**
   * Closes the current segment and answers it (undefined when it holds nothing); the next
   * append starts a new one. Waits for the commit under way.
   */
  async rotate(): Promise<Segment | undefined> {
    this.paused = true;
    try {
      await this.committing;
      const seg = this.current;
      if (!seg) return undefined;
      this.current = undefined;
      const handle = this.handle;
      this.handle = undefined;
      await handle?.close();
      return { path: seg.path, lines: seg.lines, bytes: seg.bytes };
    } finally {
      this.paused = false;
      if (this.queued.length > 0) this.committing ??= this.commitLoop();
    }
  }

  /** The lines of a segment: from memory when it has them, else from its file. */
  static async lines(segment: Segment): Promise<string[]> {
    if (segment.lines) return segment.lines;
    const text = await readFile(segment.path, 'utf8');
    // A crash may cut the last line short: it was never acknowledged, so it is dropped.
    const lines = text.split('\n');
    // The part after the last newline is '' for a whole file, or a line a crash cut short.
    lines.pop();
    return lines.filter((l) => l !== '');
  }

  /**
   * Keeps a line the database will never take (it refuses the row even without its values) in
   * `refused.jsonl` beside the segments, where an operator can read it; it is not read back.
   */
  async setAside(line: string): Promise<void> {
    await appendFile(join(this.dir, REFUSED_FILE), `${line}\n`);
  }

  /** Removes a segment whose rows are in the database. */
  async remove(segment: Segment): Promise<void> {
    await rm(segment.path, { force: true });
    this.spooled = Math.max(0, this.spooled - segment.bytes);
  }

  /** Bytes on disk not yet in the database. */
  get pendingBytes(): number {
    return this.spooled;
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.paused) {
        const batch = this.queued;
        this.queued = [];
        try {
          const seg = await this.segment();
          const buffer = Buffer.concat(batch.flatMap((q) => [Buffer.from(q.line), NEWLINE]));
          await this.handle!.write(buffer);
          if (this.sync) await this.handle!.datasync();
          for (const q of batch) seg.lines.push(q.line);
          seg.bytes += buffer.byteLength;
          for (const q of batch) q.done();
        } catch (err) {
          for (const q of batch) this.spooled -= Buffer.byteLength(q.line) + 1;
          const failure = new JournalFullError(
            `the invocation journal could not be written: ${(err as Error).message}`,
          );
          for (const q of batch) q.fail(failure);
        }
      }
    } finally {
      this.committing = undefined;
    }
  }

  private async segment() {
    if (this.current) return this.current;
    const seq = this.nextSeq++;
    const path = join(this.dir, `${String(seq).padStart(12, '0')}.jsonl`);
    this.handle = await open(path, 'a');
    this.current = { seq, path, lines: [], bytes: 0 };
    return this.current;
  }
}
