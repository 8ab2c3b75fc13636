import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time (user + system, ms) used so far by process `pid` and its descendants (Linux /proc):
 * the gateway with its worker processes, and the processes they started and reaped since (a
 * notebook's kernels: their time is in their parent's cutime and cstime once reaped). On a
 * shared machine CPU per request is the steadiest measure of the work a call costs; latency and
 * throughput move with the other load.
 */
export async function treeCpuMs(pid) {
  const stats = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid … utime stime cutime cstime: fields 14–17, counted after the comm's ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat)
      stats.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      });
  }
  const tree = treeOf(pid, stats);
  const ticks = stats.filter((s) => tree.has(s.pid)).reduce((a, s) => a + s.ticks, 0);
  return (ticks * 1000) / CLOCK_TICKS;
}
// USER_HZ: 100 on Linux for every architecture Node runs on.
const CLOCK_TICKS = 100;

/** The pids of `pid` and its descendants among `processes` (each with `pid` and `ppid`). */
export function treeOf(pid, processes) {
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes)
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
  }
  return tree;
}
