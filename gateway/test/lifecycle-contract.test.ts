import { defaultPool } from '../src/pools/pool-spec.js';
import { lifecycleContract } from './support/lifecycle-contract.js';
import { startTestGateway, type TestGateway } from './support/test-gateway.js';

let gw: TestGateway;

lifecycleContract('local processes', () => ({
  pool: 'cpu',
  async start() {
    gw = await startTestGateway({
      config: { pools: [defaultPool('cpu', { memoryMb: 64 * 1024, gpus: [] })] },
    });
    return { gw, stop: () => gw.stop() };
  },
  // Versions loaded here, with their replicas.
  async held(name) {
    return gw.host.loaded().filter((v) => v.name === name).length;
  },
}));
