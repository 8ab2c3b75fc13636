import { describe, expect, it } from 'vitest';
import { ConfigError, inheritedWorkerEnv, loadConfig } from '../config.js';
import { pickWorkerEnv, workerEnvironment } from './worker-env.js';
import { spawnWorkerProcess } from './worker-supervisor.js';

/** What the gateway may have in its environment, secrets included. */
const GATEWAY_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'Europe/Paris',
  SLIPWAY_ADMIN_TOKEN: 'sa_secret-admin-token-0123456789',
  SLIPWAY_DATA_DIR: '/srv/slipway',
  DATABASE_URL: 'postgres://slipway:hunter2@db/slipway',
  PGPASSWORD: 'hunter2',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_ACCESS_KEY_ID: 'aws-id',
  GITHUB_TOKEN: 'ghp_secret',
  HTTPS_PROXY: 'http://user:pass@proxy:3128',
  PIP_INDEX_URL: 'https://user:pass@pypi.example.com/simple',
  OMP_NUM_THREADS: '2',
  NODE_OPTIONS: '--inspect',
};

describe('the workers environment', () => {
  it('inherits the allow-list only: no secrets, no gateway settings, no home', () => {
    const { worker } = pickWorkerEnv(GATEWAY_ENV);
    expect(worker).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Europe/Paris',
    });
  });

  it('gives pip its own settings and proxies, and workers none of them', () => {
    const { worker, pip } = pickWorkerEnv(GATEWAY_ENV);
    expect(pip).toEqual({
      HTTPS_PROXY: 'http://user:pass@proxy:3128',
      PIP_INDEX_URL: 'https://user:pass@pypi.example.com/simple',
    });
    expect(worker.HTTPS_PROXY).toBeUndefined();
  });

  it('passes the names an operator adds (SLIPWAY_WORKER_ENV), never a forbidden one', () => {
    const env = { ...GATEWAY_ENV, SLIPWAY_WORKER_ENV: 'OMP_NUM_THREADS, HTTPS_PROXY,DATABASE_URL' };
    const { worker } = inheritedWorkerEnv(env);
    expect(worker.OMP_NUM_THREADS).toBe('2');
    expect(worker.HTTPS_PROXY).toBe('http://user:pass@proxy:3128');
    expect(worker.DATABASE_URL).toBeUndefined();
    for (const name of ['SLIPWAY_ADMIN_TOKEN', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY']) {
      const extra = inheritedWorkerEnv({ ...GATEWAY_ENV, SLIPWAY_WORKER_ENV: name }).worker;
      expect(extra[name]).toBeUndefined();
    }
  });

  it("points HOME and TMPDIR at the worker's scratch folder, then adds its own variables", () => {
    const env = workerEnvironment({ PATH: '/bin' }, { PYTHONPATH: '/w' }, '/tmp/slipway-x/w-1');
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/tmp/slipway-x/w-1',
      TMPDIR: '/tmp/slipway-x/w-1',
      PYTHONPATH: '/w',
    });
  });

  it('refuses to hand a secret over, even when the worker command asks for it', () => {
    expect(() => workerEnvironment({}, { SLIPWAY_ADMIN_TOKEN: 'x' })).toThrow(
      /refusing to pass SLIPWAY_ADMIN_TOKEN/,
    );
    expect(() => workerEnvironment({}, { DATABASE_URL: 'x' })).toThrow(/DATABASE_URL/);
  });

  it("starts a worker with the allow-list, whatever is in the gateway's own environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, GATEWAY_ENV, { PATH: process.env.PATH });
    let child;
    try {
      child = spawnWorkerProcess({
        command: process.execPath,
        args: ['-e', 'process.stdout.write(JSON.stringify(process.env))'],
        env: { OWN: 'yes' },
      });
    } finally {
      for (const name of Object.keys(GATEWAY_ENV)) delete process.env[name];
      Object.assign(process.env, saved);
    }
    child.stdin.end();
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('close', resolve));
    const env = JSON.parse(out) as Record<string, string>;
    expect(env.OWN).toBe('yes');
    expect(env.LANG).toBe('C.UTF-8');
    for (const name of Object.keys(GATEWAY_ENV).filter((n) => !/^(PATH|LANG|LC_ALL|TZ)$/.test(n)))
      expect(env[name], name).toBeUndefined();
    expect(out).not.toContain('hunter2');
  });

  it('reads the kernel memory limit, the worker user and the extra names from the configuration', () => {
    const config = loadConfig({
      ...GATEWAY_ENV,
      SLIPWAY_KERNEL_MEMORY_MB: '3072',
      SLIPWAY_WORKER_USER: 'slipway-worker',
      SLIPWAY_WORKER_ENV: 'OMP_NUM_THREADS',
    });
    expect(config.kernelMemoryMb).toBe(3072);
    expect(config.workerUser).toBe('slipway-worker');
    expect(config.workerEnv.worker).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Europe/Paris',
      OMP_NUM_THREADS: '2',
    });
    expect(() => loadConfig({ SLIPWAY_KERNEL_MEMORY_MB: '64' })).toThrow(ConfigError);
  });

  it('forks kernels unless SLIPWAY_KERNEL_START says exec, and names what it takes', () => {
    expect(loadConfig(GATEWAY_ENV).kernelStart).toBe('fork');
    expect(loadConfig({ ...GATEWAY_ENV, SLIPWAY_KERNEL_START: 'exec' }).kernelStart).toBe('exec');
    expect(() => loadConfig({ ...GATEWAY_ENV, SLIPWAY_KERNEL_START: 'spawn' })).toThrow(
      /SLIPWAY_KERNEL_START: .*"fork"\|"exec"/,
    );
  });
});
