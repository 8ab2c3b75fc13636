// A worker for the supervisor's tests: a real process speaking the worker protocol (JSON lines
// over stdio), written in plain Node so that those tests need no Python. Flags:
//   --no-ping    never answer `ping` (a worker that does not come up)
//   --exit=N     exit with code N at start
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const flags = new Set(process.argv.slice(2));
const exitAt = process.argv.find((a) => a.startsWith('--exit='));
if (exitAt) process.exit(Number(exitAt.slice('--exit='.length)));

const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
/** Calls under way that can be cancelled: id -> cancel(). */
const running = new Map();
const cancelled = [];
/** Parties waiting at each `rendezvous` name: name -> resolvers. */
const gatherings = new Map();

const methods = {
  ping: () => (flags.has('--no-ping') ? new Promise(() => {}) : { pid: process.pid }),
  echo: (args) => args,
  env: (args) => ({ value: process.env[args.name] ?? null }),
  /** Waits `ms`, answering its start and end times; `cancel` ends it early. */
  sleep: (args, id) =>
    new Promise((resolve, reject) => {
      const start = Date.now();
      const timer = setTimeout(() => {
        running.delete(id);
        resolve({ start, end: Date.now() });
      }, args.ms);
      running.set(id, () => {
        clearTimeout(timer);
        reject({ type: 'Cancelled', message: 'cancelled' });
      });
    }),
  fail: (args) => {
    throw {
      type: args.type,
      message: args.message,
      details: args.details,
      traceback: args.traceback,
    };
  },
  /** Exits at once, with the calls in flight unanswered. */
  crash: (args) => process.exit(args.code ?? 3),
  /** Blocks the event loop: pings go unanswered from now on. */
  hang: () => {
    for (;;);
  },
  stderr: (args) => {
    process.stderr.write(`${args.text}\n`);
    return {};
  },
  /** Writes a line that is not a protocol message, then answers. */
  garbage: (args) => {
    process.stdout.write(`${args.text}\n`);
    return {};
  },
  cancel: (args) => {
    const stop = running.get(args.id);
    if (!stop) return { cancelled: false };
    running.delete(args.id);
    cancelled.push(args.id);
    stop();
    return { cancelled: true };
  },
  cancelled: () => ({ ids: cancelled }),
  /** The ids of the `sleep` calls under way. */
  running: () => ({ ids: [...running.keys()] }),
  /**
   * Answers once `parties` calls wait at the same `name`: only calls that run side by side
   * can all be answered.
   */
  rendezvous: (args) =>
    new Promise((resolve) => {
      const waiting = gatherings.get(args.name) ?? [];
      gatherings.set(args.name, waiting);
      waiting.push(resolve);
      if (waiting.length === args.parties) {
        gatherings.delete(args.name);
        for (const answer of waiting) answer({ arrived: waiting.length });
      }
    }),
  /** Starts `sleep` in a process group of its own, as a kernel would be, and announces it. */
  spawnGroup: (args) => {
    const child = spawn('sleep', [String(args.seconds)], { detached: true, stdio: 'ignore' });
    send({ event: 'process_group', pgid: child.pid, alive: true });
    return { pid: child.pid };
  },
};

createInterface({ input: process.stdin }).on('line', async (line) => {
  const { id, method, args = {} } = JSON.parse(line);
  try {
    const fn = methods[method];
    if (!fn) throw { type: 'UnknownMethod', message: `unknown method ${method}` };
    send({ id, result: await fn(args, id) });
  } catch (err) {
    send({ id, error: err instanceof Error ? { type: err.name, message: err.message } : err });
  }
});
// stdin closed: the supervisor stops us.
process.stdin.on('end', () => process.exit(0));
