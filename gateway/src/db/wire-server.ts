import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/** The first message's codes that are requests, not a protocol version (protocol.h). */
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;

/**
 * Bytes received and not yet handed on, kept as the chunks they came in: a message is joined
 * once, when it is whole. (pglite-socket joined everything held to each chunk that came, so a
 * 1 MB insert arriving in 64 KB chunks was copied twenty times over: in the gateway's benchmark
 * of 1,000-row calls, that copying and its garbage were a third of the database process's time.)
 */
export class Inbox {
  private chunks: Buffer[] = [];
  size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The int32 (big-endian) at `offset`; the caller knows `offset + 4 <= size`. */
  int32(offset: number): number {
    const head = this.chunks[0]!;
    if (head.length >= offset + 4) return head.readInt32BE(offset);
    return this.peek(offset + 4).readInt32BE(offset);
  }

  /** The first `n` bytes, removed. */
  take(n: number): Buffer {
    const whole = this.peek(n);
    // peek left them at the start of the first chunk.
    const head = this.chunks[0]!;
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.size -= n;
    return whole;
  }

  /** The first `n` bytes, contiguous: the chunks they span are joined into one (once). */
  private peek(n: number): Buffer {
    let head = this.chunks[0]!;
    if (head.length >= n) return head.subarray(0, n);
    let k = 1;
    let have = head.length;
    while (have < n) have += this.chunks[k++]!.length;
    head = Buffer.concat(this.chunks.slice(0, k), have);
    this.chunks.splice(0, k, head);
    return head.subarray(0, n);
  }
}

/**
 * One PGlite served over the Postgres wire protocol on a Unix socket, to one connection at a
 * time (PGlite has one session): a connection is served once the one before it has closed, and
 * what that one left open in a transaction is rolled back first. Each message, once whole, goes
 * to PGlite as it came, and what PGlite answers goes back as it comes. SSL and GSS encryption
 * requests are declined (a local socket); a cancel request is ignored (PGlite cannot stop a
 * statement).
 */
export class WireServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Resolves when the last connection accepted has closed and its session is clean. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PGlite,
    private readonly path: string,
  ) {}

  async start(): Promise<void> {
    const server = (this.server = createServer((socket) => this.serve(socket)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const before = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    const inbox = new Inbox();
    let started = false;
    let closed = false;
    let draining: Promise<void> | undefined;
    const send = (data: Uint8Array) => {
      // PGlite hands out a view of its own memory: copied before it is queued.
      if (data.length > 0 && !closed) socket.write(Buffer.from(data));
    };

    /** The next whole message's length, or 0 while it is not all here. */
    const nextLength = (): number => {
      if (!started) {
        if (inbox.size < 8) return 0;
        const length = inbox.int32(0);
        return inbox.size >= length ? length : 0;
      }
      if (inbox.size < 5) return 0;
      const length = 1 + inbox.int32(1);
      return inbox.size >= length ? length : 0;
    };

    const drain = async () => {
      await before;
      for (let length = nextLength(); length > 0 && !closed; length = nextLength()) {
        if (!started) {
          const code = inbox.int32(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            inbox.take(length);
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) {
            inbox.take(length);
            socket.end();
            return;
          }
          started = true;
        }
        const message = inbox.take(length);
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(
            new Uint8Array(message.buffer, message.byteOffset, message.length),
            { onRawData: send },
          ),
        );
      }
    };

    // One drain at a time; data that comes after its last look starts the next.
    const pump = () => {
      if (draining || closed) return;
      draining = drain()
        .catch(() => void socket.destroy())
        .finally(() => {
          draining = undefined;
          if (nextLength() > 0) pump();
        });
    };
    socket.on('data', (chunk: Buffer) => {
      inbox.push(chunk);
      pump();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
      // What the connection left open must not hold the next one.
      void (async () => {
        await before;
        await draining?.catch(() => {});
        if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
      })()
        .catch(() => {})
        .finally(done);
    });
  }
}
