import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, UnusableArtifactError } from '../errors.js';
import { checkRoom, reservationOf, usageOf } from './pool-capacity.js';
import { defaultPool } from './pool-spec.js';

const machine = { memoryMb: 8192, gpus: [] };
const cpu = { ...defaultPool('cpu', machine), maxReplicas: 3 };
const gpu = { ...defaultPool('gpu', machine), devices: ['fake-0', 'fake-1'] };

describe('pool capacity', () => {
  it('a deployment holds one replica, the memory it asks for (none: best effort) and its GPUs', () => {
    expect(reservationOf('a', cpu, {})).toEqual({
      deployment: 'a',
      pool: 'cpu',
      replicas: 1,
      memoryMb: 0,
      gpus: 0,
    });
    expect(reservationOf('b', gpu, { memoryMb: 512 })).toMatchObject({ memoryMb: 512, gpus: 1 });
  });

  it('usage: what the deployments of the pool hold, and what is left', () => {
    const held = [reservationOf('b', cpu, {}), reservationOf('a', cpu, { memoryMb: 1024 })];
    held.push(reservationOf('g', gpu, {}));
    expect(usageOf(cpu, held)).toMatchObject({
      used: { replicas: 2, memoryMb: 1024, gpus: 0 },
      free: { replicas: 1, memoryMb: 7168, gpus: 0 },
      deployments: ['a', 'b'],
    });
    expect(usageOf(gpu, held).free.gpus).toBe(1);
  });

  it('a full pool is a 409 naming what is free', () => {
    const held = [
      reservationOf('a', cpu, { memoryMb: 4096 }),
      reservationOf('b', cpu, { memoryMb: 2048 }),
    ];
    const fits = reservationOf('c', cpu, { memoryMb: 2048 });
    expect(() => checkRoom(cpu, held, fits)).not.toThrow();
    const tooBig = reservationOf('c', cpu, { memoryMb: 3000 });
    expect(() => checkRoom(cpu, held, tooBig)).toThrow(ConflictError);
    expect(() => checkRoom(cpu, held, tooBig)).toThrow('3000 MiB wanted, 2048 MiB free');
    const full = [...held, reservationOf('c', cpu, { memoryMb: 128 })];
    expect(() => checkRoom(cpu, full, reservationOf('d', cpu, { memoryMb: 128 }))).toThrow(
      '1 replica(s) wanted, 0 free',
    );
    const gpus = [reservationOf('a', gpu, {}), reservationOf('b', gpu, {})];
    expect(() => checkRoom(gpu, gpus, reservationOf('c', gpu, {}))).toThrow(
      '1 GPU device(s) wanted, 0 free',
    );
  });

  it('a pool that can never hold it is a 422 (no GPU here); a replica bigger than the pool a 400', () => {
    const bare = defaultPool('gpu', machine);
    expect(() => checkRoom(bare, [], reservationOf('a', bare, {}))).toThrow(UnusableArtifactError);
    expect(() => checkRoom(bare, [], reservationOf('a', bare, {}))).toThrow('no GPU devices');
    expect(() => checkRoom(cpu, [], reservationOf('a', cpu, { memoryMb: 9000 }))).toThrow(
      InvalidInputError,
    );
  });
});
