import { expect } from 'vitest';
import { publishForm, type TestGateway } from '../support/test-gateway.js';

/** A browser's view of the page: cookies kept by name, as a browser scoped to /fn/<name> would. */
export class PageClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly gw: TestGateway) {}

  private keep(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, v] = pair!.split('=');
      if (/max-age=0/i.test(line)) this.cookies.delete(k!);
      else this.cookies.set(k!, v ?? '');
    }
    return res;
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  async get(path: string): Promise<Response> {
    return this.keep(
      await this.gw.app.request(path, { headers: { accept: 'text/html', ...this.cookieHeader() } }),
    );
  }

  /** The CSRF token of the page last fetched from `path`. */
  async csrf(path: string): Promise<string> {
    const res = await this.get(path);
    expect(res.status).toBe(200);
    return /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  }

  async post(path: string, body: URLSearchParams | FormData): Promise<Response> {
    return this.keep(
      await this.gw.app.request(path, {
        method: 'POST',
        body,
        headers: { accept: 'text/html', ...this.cookieHeader() },
      }),
    );
  }

  /** Fills the record form of `/fn/<name>` and posts it. */
  async submit(name: string, values: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams({ _csrf: await this.csrf(`/fn/${name}`) });
    for (const [k, v] of Object.entries(values)) body.set(`in:${k}`, v);
    return this.post(`/fn/${name}/page`, body);
  }

  /** Uploads a CSV through the page of `/fn/<name>`. */
  async upload(name: string, csv: string | Uint8Array): Promise<Response> {
    const form = new FormData();
    form.set('_csrf', await this.csrf(`/fn/${name}`));
    form.set('csv', new Blob([csv as BlobPart], { type: 'text/csv' }), 'rows.csv');
    return this.post(`/fn/${name}/page`, form);
  }
}

/** Publishes the toy sum model (`a + b`) as `name`; answers its invoke key. */
export async function publishSum(
  gw: TestGateway,
  name: string,
  isPublic: boolean,
): Promise<string> {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      { name, public: String(isPublic) },
      { bytes: '{"toy":"sum"}', filename: `${name}.toy.json` },
    ),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { invokeKey?: string }).invokeKey ?? '';
}
