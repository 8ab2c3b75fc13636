import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiMessage, podWait } from './cluster.js';

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p' }, status });

describe('why a pod waits', () => {
  it('the scheduler’s reason when it cannot place it', () => {
    const wait = podWait(
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 1 Insufficient nvidia.com/gpu.',
          },
        ],
      }),
    );
    expect(wait).toEqual({
      pod: 'p',
      reason: 'Unschedulable: 0/3 nodes are available: 1 Insufficient nvidia.com/gpu.',
    });
  });

  it('its container’s wait (an image that cannot be pulled, a crash loop), not a normal start', () => {
    const waiting = (reason: string, message?: string) =>
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: [
          {
            name: 'runner',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason, message } },
          },
        ],
      });
    expect(podWait(waiting('ImagePullBackOff', 'Back-off pulling image "slipway:1"'))?.reason).toBe(
      'ImagePullBackOff: Back-off pulling image "slipway:1"',
    );
    expect(podWait(waiting('ContainerCreating'))).toBeUndefined();
    expect(podWait(pod({ phase: 'Running' }))).toBeUndefined();
  });
});

describe('what the API server said', () => {
  it('its message and code; else the transport’s error', () => {
    const forbidden = new ApiException(
      403,
      'Forbidden',
      JSON.stringify({ message: 'deployments.apps is forbidden: User "x" cannot list resource' }),
      {},
    );
    expect(apiMessage(forbidden)).toBe(
      'deployments.apps is forbidden: User "x" cannot list resource (HTTP 403)',
    );
    expect(apiMessage(new ApiException(500, 'x', 'not json', {}))).toBe(
      'HTTP 500 from the API server',
    );
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED' },
    });
    expect(apiMessage(refused)).toBe('fetch failed: ECONNREFUSED');
  });
});
