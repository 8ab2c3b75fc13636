import { readFileSync } from 'node:fs';
import { startTestGateway, publishForm } from './test/support/test-gateway.ts';
import { defaultRuntimes } from './src/runtimes/default-runtimes.ts';
const variant = process.argv[3];
const gw = await startTestGateway({ kind: 'pglite', runtimes: defaultRuntimes, config: { python: process.argv[2], log: { flushMs: 200, batchSize: 500, recordInputs: variant !== 'noinputs' } } });
const fx = JSON.parse(readFileSync('test/fixtures/pickle/gbm_classifier.expected.json', 'utf8'));
await gw.admin('/api/deployments', { method: 'POST', body: publishForm({ name: 'p', public: 'true' }, { bytes: readFileSync('test/fixtures/pickle/gbm_classifier.pkl'), filename: 'm.pkl' }) });
const body = JSON.stringify(fx.records[0]);
const host = (gw as any).host;
const lat: number[] = []; const lat2: number[] = [];
for (let i = 0; i < 300; i++) {
  let t = performance.now();
  const r = await gw.app.request('/fn/p', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  await r.text();
  lat.push(performance.now() - t);
}
// the same runtime, called directly
const slot = [...host.slots.values()][0];
const rt = await (slot.runtime ?? slot.promise ?? slot);
console.log(Object.keys(slot));
lat.sort((a, b) => a - b);
console.log(variant, 'app p50', lat[150].toFixed(2));
await gw.stop();
