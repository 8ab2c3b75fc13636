import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import {
  checkWebhookUrl,
  signBody,
  verifySignature,
  WebhookSender,
  type WebhookFailure,
  type WebhookSenderOptions,
} from './webhook-sender.js';

const SECRET = 'whsec_test';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver: `answer` decides each response, in the order requests arrive. */
async function receiver(answer: (n: number, res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  servers.push(server);
  return { origin, url: `${origin}/hooks/slipway`, received };
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A sender whose waits are recorded, not slept, and whose jitter is fixed. */
function sender(origin: string, options: Partial<WebhookSenderOptions> = {}) {
  const waits: number[] = [];
  const failures: WebhookFailure[] = [];
  const delivered: { id: string; attempts: number }[] = [];
  const s = new WebhookSender({
    secret: SECRET,
    allowedOrigins: [origin],
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    onGiveUp: (f) => failures.push(f),
    onDelivered: (d) => delivered.push(d),
    ...options,
  });
  return { sender: s, waits, failures, delivered };
}

const payload = { type: 'alert', alert: { id: 'a1', state: 'firing', message: 'accuracy 0.7' } };

describe('WebhookSender', () => {
  it('posts signed JSON that the receiver can verify', async () => {
    const hook = await receiver((_, res) => res.writeHead(204).end());
    const { sender: s, delivered, failures } = sender(hook.origin);
    const id = s.send(hook.url, 'alert.fired', payload);
    // Queued, not sent: the caller is not held up.
    expect(hook.received).toHaveLength(0);
    await s.idle();

    expect(hook.received).toHaveLength(1);
    const [{ headers, body }] = hook.received as [Received];
    expect(JSON.parse(body)).toEqual(payload);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-slipway-event']).toBe('alert.fired');
    expect(headers['x-slipway-delivery']).toBe(id);
    expect(headers['x-slipway-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(body, SECRET, headers['x-slipway-signature'] as string)).toBe(true);
    expect(verifySignature(body, 'other secret', headers['x-slipway-signature'] as string)).toBe(
      false,
    );
    expect(delivered).toEqual([{ id, url: hook.url, event: 'alert.fired', attempts: 1 }]);
    expect(failures).toEqual([]);
  });

  it('retries a receiver that fails twice, with the same delivery id and growing waits', async () => {
    const hook = await receiver((n, res) => res.writeHead(n <= 2 ? 503 : 200).end());
    const { sender: s, waits, delivered } = sender(hook.origin, { baseDelayMs: 1000 });
    const id = s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers['x-slipway-delivery']))).toEqual(
      new Set([id]),
    );
    // Full jitter (0.5 here) on 1 s, then 2 s.
    expect(waits).toEqual([500, 1000]);
    expect(delivered).toMatchObject([{ id, attempts: 3 }]);
  });

  it('gives up after maxAttempts, reporting the last status', async () => {
    const hook = await receiver((_, res) => res.writeHead(500).end());
    const {
      sender: s,
      waits,
      failures,
    } = sender(hook.origin, {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0.999,
    });
    const id = s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(hook.received).toHaveLength(4);
    expect(waits).toEqual([99, 199, 299]);
    expect(failures).toEqual([
      { id, url: hook.url, event: 'alert.fired', reason: 'exhausted', attempts: 4, status: 500 },
    ]);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    const hook = await receiver((_, res) => res.writeHead(404).end());
    const { sender: s, failures } = sender(hook.origin);
    s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(hook.received).toHaveLength(1);
    expect(failures).toMatchObject([{ reason: 'rejected', attempts: 1, status: 404 }]);
  });

  it('retries 408 and 429, waiting as Retry-After says (up to the cap)', async () => {
    const hook = await receiver((n, res) => {
      if (n === 1) res.writeHead(429, { 'Retry-After': '7' }).end();
      else if (n === 2) res.writeHead(408).end();
      else if (n === 3) res.writeHead(429, { 'Retry-After': '3600' }).end();
      else res.writeHead(200).end();
    });
    const { sender: s, waits, delivered } = sender(hook.origin, { maxDelayMs: 30_000 });
    s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(waits).toEqual([7000, 1000, 30_000]);
    expect(delivered).toMatchObject([{ attempts: 4 }]);
  });

  it('does not follow a redirect', async () => {
    const hook = await receiver((_, res) =>
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    const { sender: s, failures } = sender(hook.origin);
    s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(hook.received).toHaveLength(1);
    expect(failures).toMatchObject([{ reason: 'rejected', status: 302 }]);
  });

  it('refuses an origin that is not allowed, sending nothing', async () => {
    const hook = await receiver((_, res) => res.writeHead(200).end());
    const { sender: s, failures } = sender('https://hooks.example.com');
    s.send(hook.url, 'alert.fired', payload);
    s.send('file:///etc/passwd', 'alert.fired', payload);
    await s.idle();
    expect(hook.received).toHaveLength(0);
    expect(failures).toMatchObject([
      {
        reason: 'refused',
        attempts: 0,
        error: expect.stringMatching(/not an allowed webhook origin/),
      },
      { reason: 'refused', attempts: 0 },
    ]);
  });

  it('abandons an attempt at its deadline and retries it', async () => {
    // The first request is never answered.
    const hook = await receiver((n, res) => {
      if (n > 1) res.writeHead(200).end();
    });
    const { sender: s, failures, delivered } = sender(hook.origin, { attemptTimeoutMs: 50 });
    s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(failures).toEqual([]);
    expect(delivered).toMatchObject([{ attempts: 2 }]);
  });

  it('retries when nothing listens, then reports the network error', async () => {
    const hook = await receiver(() => {});
    const closed = servers.pop()!;
    await new Promise((resolve) => closed.close(resolve));
    const { sender: s, failures } = sender(hook.origin, { maxAttempts: 2 });
    s.send(hook.url, 'alert.fired', payload);
    await s.idle();
    expect(failures).toMatchObject([
      { reason: 'exhausted', attempts: 2, error: expect.stringMatching(/ECONNREFUSED/) },
    ]);
  });

  it('gives up what does not fit the queue, and what is in progress or queued when closed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The first request is answered when released; the later ones never.
    const hook = await receiver((n, res) => {
      if (n === 1) void held.then(() => res.writeHead(200).end());
    });
    const {
      sender: s,
      failures,
      delivered,
    } = sender(hook.origin, {
      maxQueued: 3,
      concurrency: 1,
    });
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => (done() ? resolve() : setImmediate(check));
        check();
      });
    const first = s.send(hook.url, 'a', payload);
    const second = s.send(hook.url, 'b', payload);
    const third = s.send(hook.url, 'c', payload);
    const fourth = s.send(hook.url, 'd', payload);
    expect(failures).toMatchObject([{ id: fourth, reason: 'queue_full', attempts: 0 }]);
    await until(() => hook.received.length === 1);
    release();
    await until(() => hook.received.length === 2);
    await s.close();
    expect(delivered.map((d) => d.id)).toEqual([first]);
    expect(failures.map((f) => [f.id, f.reason, f.attempts])).toEqual([
      [fourth, 'queue_full', 0],
      [third, 'closed', 0],
      [second, 'closed', 1],
    ]);
    s.send(hook.url, 'e', payload);
    expect(failures.at(-1)).toMatchObject({ reason: 'closed' });
  });

  it('keeps working when a callback throws', async () => {
    const hook = await receiver((_, res) => res.writeHead(200).end());
    let calls = 0;
    const s = new WebhookSender({
      secret: SECRET,
      allowedOrigins: ['*'],
      onDelivered: () => {
        calls++;
        throw new Error('callback bug');
      },
    });
    const original = console.error;
    console.error = () => {};
    try {
      s.send(hook.url, 'a', payload);
      s.send(hook.url, 'b', payload);
      await s.idle();
    } finally {
      console.error = original;
    }
    expect(calls).toBe(2);
  });
});

describe('verifySignature', () => {
  const body = '{"type":"alert"}';

  it('accepts the signature of these exact bytes with this secret only', () => {
    const header = signBody(body, SECRET);
    expect(verifySignature(body, SECRET, header)).toBe(true);
    expect(verifySignature(Buffer.from(body), SECRET, header)).toBe(true);
    expect(verifySignature(body + ' ', SECRET, header)).toBe(false);
    expect(verifySignature(body, SECRET + 'x', header)).toBe(false);
  });

  it('refuses a missing or malformed header', () => {
    const hex = signBody(body, SECRET).slice('sha256='.length);
    for (const header of [
      undefined,
      null,
      '',
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(2)}`,
      'sha256=zz',
    ])
      expect(verifySignature(body, SECRET, header)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  it('allows the operator’s origins and names the webhook field otherwise', () => {
    expect(() =>
      checkWebhookUrl('https://hooks.example.com/x', ['https://hooks.example.com']),
    ).not.toThrow();
    let err: unknown;
    try {
      checkWebhookUrl('http://169.254.169.254/', ['https://hooks.example.com']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ status: 400, field: 'webhook.url' });
    expect((err as Error).message).toMatch(
      /^webhook\.url: http:\/\/169\.254\.169\.254 is not an allowed webhook origin.*SLIPWAY_CALLBACK_ORIGINS/,
    );
  });
});
