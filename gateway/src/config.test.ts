import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults, with the data dir made absolute', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      publicUrl: 'http://127.0.0.1:8787',
      pools: ['cpu'],
      corsOrigins: ['*'],
      callbackOrigins: ['*'],
      jvmHeapMb: 1024,
    });
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
});
