// Runs inside an export bundle's image (build-bundle-image.sh --smoke mounts a folder at /smoke):
// starts the bundle as the image's CMD does (sh /bundle/run.sh) on 127.0.0.1:18081, waits for
// GET /healthz to answer 200, sends /smoke/request.json to POST /fn/<name> and compares the
// answer, ids set aside, with /smoke/expected.json (what the gateway answered). Exits 0 when
// equal. Plain Node 20: the image has nothing else.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const { name, body } = JSON.parse(readFileSync('/smoke/request.json', 'utf8'));
const expected = JSON.parse(readFileSync('/smoke/expected.json', 'utf8'));
const port = 18081;
const base = `http://127.0.0.1:${port}`;

const bundle = spawn('sh', ['/bundle/run.sh'], {
  stdio: 'inherit',
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
});
const exited = new Promise((resolve) => bundle.once('exit', resolve));

async function check() {
  const started = Date.now();
  let health;
  while (Date.now() - started < 120_000) {
    health = await fetch(`${base}/healthz`).catch(() => undefined);
    if (health?.status === 200) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`[smoke] GET /healthz: ${health?.status} after ${Date.now() - started} ms`);
  if (health?.status !== 200) return false;
  const res = await fetch(`${base}/fn/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { id: _id, ids: _ids, ...answer } = await res.json();
  const same = res.status === expected.status && isDeepStrictEqual(answer, expected.body);
  console.log(
    `[smoke] POST /fn/${name}: ${res.status}, ${same ? 'as the gateway answered' : `differs: ${JSON.stringify(answer)}`}`,
  );
  return same;
}

const ok = await check().catch((err) => (console.error('[smoke]', err), false));
bundle.kill('SIGTERM');
const code = await exited;
console.log(`[smoke] bundle stopped on SIGTERM with exit code ${code}`);
process.exit(ok && code === 0 ? 0 : 1);
