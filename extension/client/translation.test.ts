import { describe, expect, it } from 'vitest';
import { marked, markingTranslator, untranslated } from '../testing/marking-translator.js';
import { GatewayClient } from './gateway-client.js';
import { userMessage } from './errors.js';

const BASE = 'http://gw.test';
const translator = markingTranslator();
const trans = translator.load('slipway');

/** A client whose every request is answered by `answer`. */
const clientAnswering = (answer: () => Promise<Response>) =>
  new GatewayClient({ baseUrl: BASE, token: 't' }, { trans, fetch: answer });
const json = (status: number, body: unknown) =>
  Promise.resolve(new Response(JSON.stringify(body), { status }));
const failure = (status: number, message: string, field?: string) =>
  json(status, { error: { code: 'x', message, field } });
const messageOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => userMessage(e),
  );

describe("the gateway client's errors speak through the translator", () => {
  it.each([
    ['an unreachable gateway', () => Promise.reject(new TypeError('fetch failed')), [BASE]],
    ['a refused token', () => failure(401, 'bad token'), ['bad token']],
    ['a rejected file', () => failure(422, 'not a model'), ['not a model']],
    ['a rejected field', () => failure(422, 'bad', 'file'), ['bad', 'file']],
    ['a file too large', () => failure(413, 'over 1 GB'), ['over 1 GB']],
    ['a field too large', () => failure(413, 'over 1 GB', 'file'), ['over 1 GB', 'file']],
    ['an invalid field', () => failure(400, 'must be lowercase', 'name'), ['lowercase', 'name']],
    ['an error without a body', () => Promise.resolve(new Response('', { status: 502 })), [BASE]],
    ['an answer that is not JSON', () => Promise.resolve(new Response('<html>')), [BASE]],
  ] as const)('%s', async (_, answer, data) => {
    const message = await messageOf(clientAnswering(answer).deployments());
    expect(message.startsWith('«')).toBe(true);
    expect(untranslated(message, data)).toBeNull();
    // The arguments are filled in, not lost.
    for (const value of data) expect(message).toContain(value);
  });

  it('an incompatible gateway', async () => {
    const message = await messageOf(clientAnswering(() => json(200, { version: '0.9.0' })).check());
    expect(message).toBe(
      marked(
        'The Slipway gateway is version 0.9.0, but this extension needs 0.1.x. Update the extension and the gateway together (git pull && npm start).',
      ),
    );
  });

  it("keeps the gateway's own message as it came when there is nothing to add", async () => {
    const message = await messageOf(clientAnswering(() => failure(409, 'Busy, try again')).pools());
    expect(message).toBe('Busy, try again');
  });

  it('a failed upload', async () => {
    const client = new GatewayClient(
      { baseUrl: BASE, token: 't' },
      { trans, upload: () => Promise.reject(new TypeError('network error')) },
    );
    const message = await messageOf(
      client.publish({ name: 'm', file: new Blob(['x']), filename: 'm.onnx' }),
    );
    expect(message).toMatch(/^«Slipway gateway not reachable at http:\/\/gw\.test\. /);
  });
});
