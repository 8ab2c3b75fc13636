import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { defaultPool } from './pools/pool-spec.js';

describe('loadConfig', () => {
  it('has the documented defaults, with the data dir made absolute', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      publicUrl: 'http://127.0.0.1:8787',
      corsOrigins: ['*'],
      callbackOrigins: ['*'],
      jvmHeapMb: 1024,
    });
    expect(c.pools.map((p) => p.name)).toEqual(['cpu']);
    expect(isAbsolute(c.dataDir)).toBe(true);
    expect(c.dataDir).toBe(join(process.cwd(), '.slipway'));
  });

  it('names every bad variable', () => {
    expect(() =>
      loadConfig({ SLIPWAY_PORT: 'x', SLIPWAY_POOLS: 'cpu,tpu', DATABASE_URL: 'mysql://x' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ SLIPWAY_PORT: 'x', SLIPWAY_POOLS: 'cpu,tpu', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      const msg = (err as Error).message;
      for (const v of ['SLIPWAY_PORT', 'SLIPWAY_POOLS', 'DATABASE_URL', 'unknown pool "tpu"'])
        expect(msg).toContain(v);
    }
  });

  it('reads the CORS and callback origins as lists without trailing slashes', () => {
    const c = loadConfig({
      SLIPWAY_CORS_ORIGINS: 'http://localhost:8888/, https://lab.example.org ',
    });
    expect(c.corsOrigins).toEqual(['http://localhost:8888', 'https://lab.example.org']);
    expect(
      loadConfig({ SLIPWAY_CALLBACK_ORIGINS: 'https://hooks.example.com/' }).callbackOrigins,
    ).toEqual(['https://hooks.example.com']);
  });

  it('reads the pools from SLIPWAY_POOLS_FILE, or names them with SLIPWAY_POOLS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pools-'));
    try {
      const machine = { memoryMb: 4096, gpus: [] };
      expect(loadConfig({ SLIPWAY_POOLS: 'cpu,highmem' }, machine).pools).toEqual([
        defaultPool('cpu', machine),
        defaultPool('highmem', machine),
      ]);
      const file = join(dir, 'pools.yaml');
      await writeFile(file, 'pools:\n  gpu:\n    devices: [fake-0]\n');
      const [gpu] = loadConfig({ SLIPWAY_POOLS_FILE: file }, machine).pools;
      expect(gpu).toMatchObject({ name: 'gpu', devices: ['fake-0'], memoryMb: 4096 });
      // A bad file stops the gateway at start, naming the variable, the key and the reason.
      await writeFile(file, 'pools:\n  gpu:\n    gpusPerReplica: lots\n');
      expect(() => loadConfig({ SLIPWAY_POOLS_FILE: file }, machine)).toThrow(
        /SLIPWAY_POOLS_FILE .*pools\.gpu\.gpusPerReplica: .*number/,
      );
      expect(() => loadConfig({ SLIPWAY_POOLS_FILE: join(dir, 'none.yaml') }, machine)).toThrow(
        /SLIPWAY_POOLS_FILE: cannot read .*none\.yaml: ENOENT/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
