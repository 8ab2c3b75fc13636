// What the side-by-side benchmark measures on one running server, whoever it is: the same
// load generator (autocannon; a keep-alive poster at one caller) and the same /proc readings
// for every side.
import { readdir, readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { keepAlivePoster, percentile, sequentialLatencies } from '../http-post.mjs';
import { treeCpuMs, treeOf } from '../process-cpu.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `callers` connections posting `body` to `url` for `seconds`: requests/s from the completed
 * count, and the CPU the server's process tree (`pid`) spent meanwhile.
 */
export async function loadRun({ url, headers, body, callers, seconds, pid }) {
  const cpuBefore = await treeCpuMs(pid);
  const started = performance.now();
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: callers,
    duration: seconds,
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = (await treeCpuMs(pid)) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(
      `${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  const total = result.requests.total;
  return { perSecond: total / elapsed, cpuMs, total };
}

/**
 * Waits until the process tree of `pid` is idle again after a load (under `idleShare` of one
 * core over `windowMs`), so that work a load left behind (a log being written, say) is counted
 * against that load and not the next: answers how long it took and the CPU it spent meanwhile.
 */
export async function settle(pid, { windowMs = 500, idleShare = 0.1, limitS = 120 } = {}) {
  const started = performance.now();
  const first = await treeCpuMs(pid);
  let before = first;
  while (performance.now() - started < limitS * 1000) {
    await sleep(windowMs);
    const now = await treeCpuMs(pid);
    if (now - before <= idleShare * windowMs)
      return { ms: performance.now() - started - windowMs, cpuMs: before - first };
    before = now;
  }
  throw new Error(`the server (pid ${pid}) was still busy ${limitS} s after the load`);
}

/** One caller, one request at a time on one kept-alive socket, timed to the microsecond. */
export async function oneCaller({ url, headers, body, seconds, warmUp = 200 }) {
  const poster = keepAlivePoster(url, headers);
  const lat = await sequentialLatencies(() => poster.post(body), { seconds, warmUp });
  poster.close();
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), n: lat.length };
}

/** `call` run one after another for `seconds` (after `warmUp` calls): p50 and p99 in ms. */
export async function inProcess(call, seconds, warmUp = 500) {
  const lat = await sequentialLatencies(call, { seconds, warmUp });
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), n: lat.length };
}

/**
 * Milliseconds from `since` until `request` answers 200 (and `accept` takes its body); gives up
 * after `limitS` or as soon as `exited()` says the server has gone.
 */
export async function msUntil(
  since,
  request,
  { accept = () => true, exited = () => false, pollMs = 5, limitS = 120 } = {},
) {
  const give = performance.now() + limitS * 1000;
  while (performance.now() < give) {
    if (exited()) throw new Error('the server exited before answering');
    try {
      const res = await request();
      const text = await res.text();
      if (res.status === 200 && accept(text)) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(pollMs);
  }
  throw new Error(`no answer within ${limitS} s`);
}

/** Every process of /proc: pid, parent, resident MiB and command line. */
async function processes() {
  const out = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (!stat || !status) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    out.push({
      pid: Number(entry),
      ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
      mib: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
      cmdline: cmdline.split('\0').join(' '),
    });
  }
  return out;
}

/**
 * Resident MiB of `pid` and its descendants, by role: `classify(process, isRoot)` names each
 * one's role (the root's is its own); answers `{ total, byRole: { role: MiB } }`.
 */
export async function treeRss(pid, classify = (_, isRoot) => (isRoot ? 'server' : 'children')) {
  const all = await processes();
  const tree = treeOf(pid, all);
  const byRole = {};
  let total = 0;
  for (const p of all.filter((x) => tree.has(x.pid))) {
    const role = classify(p, p.pid === pid);
    byRole[role] = (byRole[role] ?? 0) + p.mib;
    total += p.mib;
  }
  return { total, byRole };
}

/** Processes whose command line contains `text` (e.g. a data dir), for waiting them out. */
export async function pidsMentioning(text) {
  return (await processes()).filter((p) => p.cmdline.includes(text)).map((p) => p.pid);
}
