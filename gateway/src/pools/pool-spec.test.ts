import { describe, expect, it } from 'vitest';
import { defaultPool, parsePoolsFile, PoolsFileError } from './pool-spec.js';

const machine = { memoryMb: 32_768, gpus: ['0', '1'] };

describe('pools file', () => {
  it('reads YAML and JSON alike; what a pool does not say is its default here', () => {
    const yaml = `
pools:
  cpu:
    maxReplicas: 8
  gpu:
    memoryMbPerReplica: 8192
    devices: ["fake-0", "fake-1", "fake-2"]
    formats:
      notebook: { warmKernels: 1 }
`;
    const json = JSON.stringify({
      pools: {
        cpu: { maxReplicas: 8 },
        gpu: {
          memoryMbPerReplica: 8192,
          devices: ['fake-0', 'fake-1', 'fake-2'],
          formats: { notebook: { warmKernels: 1 } },
        },
      },
    });
    for (const text of [yaml, json]) {
      const [cpu, gpu] = parsePoolsFile(text, machine);
      expect(cpu).toEqual({ ...defaultPool('cpu', machine), maxReplicas: 8 });
      expect(gpu).toMatchObject({
        name: 'gpu',
        backend: 'local',
        gpusPerReplica: 1,
        memoryMbPerReplica: 8192,
        memoryMb: 32_768,
        devices: ['fake-0', 'fake-1', 'fake-2'],
        formats: { notebook: { warmKernels: 1 } },
      });
    }
  });

  it('defaults: the machine memory, its GPUs for the gpu pool, 16 GiB replicas on highmem', () => {
    expect(defaultPool('gpu', machine)).toMatchObject({ devices: ['0', '1'], gpusPerReplica: 1 });
    expect(defaultPool('cpu', machine)).toMatchObject({ devices: [], gpusPerReplica: 0 });
    expect(defaultPool('highmem', machine).memoryMbPerReplica).toBe(16_384);
  });

  it.each([
    ['pools: {tpu: {}}', 'pools.tpu'],
    ['pools: {cpu: {memory: 5}}', 'pools.cpu'],
    ['pools: {cpu: {memoryMb: -1}}', 'pools.cpu.memoryMb'],
    ['pools: {cpu: {backend: docker}}', 'pools.cpu.backend'],
    ['pools: {gpu: {devices: ["a b"]}}', 'pools.gpu.devices.0'],
    ['pools: {gpu: {devices: ["0", "0"]}}', 'pools.gpu.devices'],
    ['pools: {cpu: {formats: {tflite: {}}}}', 'pools.cpu.formats'],
    ['pools: {cpu: {memoryMb: 1024, memoryMbPerReplica: 2048}}', 'pools.cpu.memoryMbPerReplica'],
    ['pools: {}', 'pools'],
    ['pool: {cpu: {}}', 'pool'],
    ['pools: [', 'not YAML or JSON'],
  ])('refuses %s, naming %s', (text, key) => {
    expect(() => parsePoolsFile(text, machine)).toThrow(PoolsFileError);
    expect(() => parsePoolsFile(text, machine)).toThrow(key);
  });
});
