import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../errors.js';
import type { Placement } from '../placement.js';
import { defaultPool, type PoolSpec } from '../pool-spec.js';

const machine = { memoryMb: 16_384, gpus: [] };
/** A GPU pool on configured fake device ids: the placement logic without a GPU. */
const gpu: PoolSpec = {
  ...defaultPool('gpu', machine),
  devices: ['fake-0', 'fake-1', 'fake-2'],
  maxReplicas: 8,
};
/** Version 1 of deployment `name`. */
const own = (deployment: string) => ({ deployment, version: 1 });
const cpu: PoolSpec = { ...defaultPool('cpu', machine), maxReplicas: 2, cpuShares: 512 };

/**
 * What every placement backend must do (the local one here; the Kubernetes one in its issue):
 * run it with a fresh backend per test.
 */
export function placementContract(backend: string, make: () => Placement): void {
  describe(`placement contract: ${backend}`, () => {
    it('gives each replica devices of its own, and only those, in CUDA_VISIBLE_DEVICES', () => {
      const placement = make();
      const pool = { ...gpu, gpusPerReplica: 2, devices: ['fake-0', 'fake-1', 'fake-2', 'fake-3'] };
      const a = placement.place(pool, {}, own('a'));
      const b = placement.place(pool, {}, own('b'));
      expect(a.devices).toHaveLength(2);
      expect(b.devices).toHaveLength(2);
      expect(new Set([...a.devices, ...b.devices]).size).toBe(4);
      expect(a.env.CUDA_VISIBLE_DEVICES).toBe(a.devices.join(','));
      expect(placement.state('gpu')).toEqual({ replicas: 2, devicesInUse: pool.devices });
    });

    it('gives devices back when a replica stops; a second release changes nothing', () => {
      const placement = make();
      const leases = gpu.devices.map((_, i) => placement.place(gpu, {}, own(`d${i}`)));
      expect(() => placement.place(gpu, {}, own('other'))).toThrow(ConflictError);
      const freed = leases[1]!.devices;
      leases[1]!.release();
      leases[1]!.release();
      expect(placement.state('gpu').replicas).toBe(2);
      expect(placement.place(gpu, {}, own('other')).devices).toEqual(freed);
    });

    it('a new version of a deployment on a full pool shares its draining version’s devices', () => {
      const placement = make();
      const pool = { ...gpu, devices: ['fake-0'] };
      const v1 = placement.place(pool, {}, { deployment: 'iris', version: 1 });
      const v2 = placement.place(pool, {}, { deployment: 'iris', version: 2 });
      expect(v2.devices).toEqual(v1.devices);
      expect(() => placement.place(pool, {}, own('other'))).toThrow(ConflictError);
      // The old version drains and goes: the new one keeps the device, still its only holder.
      v1.release();
      expect(placement.state('gpu')).toEqual({ replicas: 1, devicesInUse: ['fake-0'] });
      expect(() => placement.place(pool, {}, own('other'))).toThrow(ConflictError);
      v2.release();
      expect(placement.place(pool, {}, own('other')).devices).toEqual(['fake-0']);
    });

    it('replicas of one version never share: scaling out on a full pool is a 409', () => {
      const placement = make();
      const pool = { ...gpu, devices: ['fake-0', 'fake-1'] };
      const first = placement.place(pool, {}, own('iris'));
      const second = placement.place(pool, {}, own('iris'));
      expect(second.devices).not.toEqual(first.devices);
      expect(() => placement.place(pool, {}, own('iris'))).toThrow(/has 0 GPU device\(s\) free/);
    });

    it('a pool without GPUs hides them all; memory and CPU weight come from the pool or the deployment', () => {
      const placement = make();
      const lease = placement.place(cpu, {}, own('d'));
      expect(lease).toMatchObject({ pool: 'cpu', devices: [], memoryMb: 2048, cpuShares: 512 });
      expect(lease.env.CUDA_VISIBLE_DEVICES).toBe('');
      expect(placement.place(cpu, { memoryMb: 700 }, own('d')).memoryMb).toBe(700);
    });

    it('no more replicas than the pool runs: a 409 naming the pool', () => {
      const placement = make();
      placement.place(cpu, {}, own('a'));
      const second = placement.place(cpu, {}, own('b'));
      expect(() => placement.place(cpu, {}, own('c'))).toThrow(
        /cpu pool runs its most replicas \(2\)/,
      );
      second.release();
      expect(() => placement.place(cpu, {}, own('c'))).not.toThrow();
    });
  });
}
