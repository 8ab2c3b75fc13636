import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../../../workers/worker-protocol.js';
import { routeRequest } from './process-server.js';

describe('routeRequest', () => {
  it('reads id, method and key off the head of a line the gateway wrote', () => {
    const line = encodeRequest({
      id: 7,
      method: 'predict',
      args: { key: 'iris@1:"x"\\y', records: [{ X: [1, 2, 3, 4] }] },
    }).trimEnd();
    expect(routeRequest(line)).toEqual({ id: 7, method: 'predict', key: 'iris@1:"x"\\y' });
  });

  it('reads the whole line when it is written another way', () => {
    const line = JSON.stringify({ method: 'unload', args: { records: [], key: 'k' }, id: 3 });
    expect(routeRequest(line)).toEqual({ id: 3, method: 'unload', key: 'k' });
    expect(routeRequest('{"id":1,"method":"ping","args":{}}')).toEqual({
      id: 1,
      method: 'ping',
      key: '',
    });
  });

  it('refuses what is not a request', () => {
    expect(routeRequest('not json')).toBeUndefined();
    expect(routeRequest('{"id":"1","method":"ping"}')).toBeUndefined();
    expect(routeRequest('null')).toBeUndefined();
  });
});
