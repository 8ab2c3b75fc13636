// One keep-alive connection posting JSON bodies one after another: what a single client sees.
// Shared by the benchmarks that measure per-call latency.
import { Agent, request } from 'node:http';

/** A poster on one kept-alive socket; `post` rejects on any status but 200. */
export function keepAlivePoster(url, headers = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            ...headers,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(text)
              : reject(new Error(`${url}: ${res.statusCode} ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** The p-th percentile of ascending `sorted`. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * `call(i)` run one after another: `warmUp` calls, then for `seconds`, each timed to the
 * microsecond. Answers the timed calls' latencies in ms, ascending.
 */
export async function sequentialLatencies(call, { seconds, warmUp = 0 }) {
  for (let i = 0; i < warmUp; i++) await call(i);
  const lat = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    await call(i);
    lat.push(performance.now() - t);
  }
  return lat.sort((a, b) => a - b);
}
