// @vitest-environment jsdom
import '../testing/dom-shims.js';
import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import { cpuPool } from '../testing/pools.js';
import { marked, markingTranslator } from '../testing/marking-translator.js';
import { poolFreeText } from './pool-choice.js';
import { PublishForm } from './PublishForm.js';

const trans = nullTranslator.load('slipway');

const gpuPool = cpuPool({
  name: 'gpu',
  capacity: { ...cpuPool().capacity, gpus: 2, gpusPerReplica: 1 },
  used: { replicas: 1, memoryMb: 2048, gpus: 1 },
  free: { replicas: 255, memoryMb: 6144, gpus: 1 },
});

describe('what a pool has free, in the publish dialog', () => {
  it('a pool on a cluster: the scheduler decides, or why the gateway cannot use it', () => {
    expect(poolFreeText(cpuPool({ backend: 'kubernetes' }), trans)).toBe('on a Kubernetes cluster');
    const down = cpuPool({
      backend: 'kubernetes',
      status: 'unavailable',
      statusReason: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(poolFreeText(down, trans)).toBe('unavailable: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('memory, and GPUs on a pool that hands them out', () => {
    expect(poolFreeText(cpuPool(), trans)).toBe('6.0 GiB free');
    expect(poolFreeText(gpuPool, trans)).toBe('6.0 GiB and 1 of 2 GPUs free');
  });

  it('full: no replica left, or no GPU; little memory left still fits one asking for none', () => {
    const full = (free: { replicas: number; memoryMb: number; gpus: number }) =>
      poolFreeText({ ...gpuPool, free }, trans);
    expect(full({ replicas: 0, memoryMb: 6144, gpus: 1 })).toBe('full');
    expect(full({ replicas: 3, memoryMb: 1024, gpus: 1 })).toBe('1.0 GiB and 1 of 2 GPUs free');
    expect(full({ replicas: 3, memoryMb: 6144, gpus: 0 })).toBe('full: no GPU free');
  });

  it('translated, and shown beside each pool’s name', () => {
    const marking = markingTranslator().load('slipway');
    expect(poolFreeText(cpuPool(), marking)).toBe(marked('6.0 GiB free'));
    const form = new PublishForm({
      path: 'iris.onnx',
      pools: ['cpu', 'gpu'],
      poolFree: { cpu: poolFreeText(cpuPool(), trans), gpu: poolFreeText(gpuPool, trans) },
      initial: { name: 'iris', pool: 'gpu', public: false },
      trans,
    });
    const options = [...form.node.querySelectorAll('select[name="pool"] option')];
    expect(options.map((o) => [o.getAttribute('value'), o.textContent])).toEqual([
      ['cpu', 'cpu (6.0 GiB free)'],
      ['gpu', 'gpu (6.0 GiB and 1 of 2 GPUs free)'],
    ]);
  });
});
