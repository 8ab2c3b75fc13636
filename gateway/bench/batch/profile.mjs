// Where a gateway's CPU time went: the V8 CPU profiles `node --cpu-prof` wrote (the gateway's
// main thread, its threads and any node worker process), summed by self time per area of the
// code and per function.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The area a profiled function belongs to, by its file. */
function areaOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native and node internals)';
  const dist = /\/gateway\/dist\/([^/]+)\//.exec(url);
  if (dist) return `gateway: ${dist[1]}/`;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (module) return module[1];
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

/** Self time (ms) by node of one profile: samples × the time deltas that follow them. */
function selfTimes(profile) {
  const self = new Map();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return self;
}

/**
 * Reads every *.cpuprofile in `dir` (each a thread or process) and answers, per profile, its
 * role (`mainPid`'s main thread first), its sampled busy time, every area's self time and the
 * top areas and functions, idle time left out.
 */
export async function summariseProfiles(dir, mainPid, top = 12) {
  const out = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
    const self = selfTimes(profile);
    const areas = new Map();
    const functions = new Map();
    let busy = 0;
    for (const node of profile.nodes) {
      const ms = self.get(node.id) ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (!ms || functionName === '(idle)') continue;
      busy += ms;
      const area = areaOf(url, functionName);
      areas.set(area, (areas.get(area) ?? 0) + ms);
      const fn = `${functionName || '(anonymous)'} (${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : 'native'})`;
      functions.set(fn, (functions.get(fn) ?? 0) + ms);
    }
    const ranked = (m) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, ms]) => ({ name, ms, share: ms / busy }));
    // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile
    const [pid, thread] = file.split('.').slice(3, 5).map(Number);
    const role =
      pid !== mainPid ? `worker process` : thread === 0 ? 'main thread' : `thread ${thread}`;
    out.push({
      role,
      busyMs: busy,
      allAreas: [...areas],
      areas: ranked(areas),
      functions: ranked(functions),
    });
  }
  return out.sort(
    (a, b) => (b.role === 'main thread') - (a.role === 'main thread') || b.busyMs - a.busyMs,
  );
}
