import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { Uploader } from './upload.js';

/**
 * The gateway through the Jupyter server: Slipway's server extension (jupyterlab_slipway)
 * proxies `<base>/slipway/api/…` and `<base>/slipway/fn/…` to the gateway with the server's
 * own credential, so the browser authenticates to the Jupyter server only, as it does for
 * everything else.
 */

/** What the server extension says of itself: configured, or what the administrator must set. */
export interface ProxyStatus {
  configured: boolean;
  problem: string | null;
}

/** The proxy's base URL on the Jupyter server (the client adds `/api/…`, `/fn/…`). */
export const proxyBase = (settings: ServerConnection.ISettings): string =>
  URLExt.join(settings.baseUrl, 'slipway');

/**
 * Asks the Jupyter server for Slipway's server extension. Undefined when it has none (404: the
 * extension talks to the gateway itself, with the URL and token in its settings).
 */
export async function proxyStatus(
  settings: ServerConnection.ISettings,
): Promise<ProxyStatus | undefined> {
  const res = await ServerConnection.makeRequest(
    URLExt.join(proxyBase(settings), 'status'),
    {},
    settings,
  );
  if (res.status === 404) return undefined;
  if (!res.ok) throw new ServerConnection.ResponseError(res);
  return (await res.json()) as ProxyStatus;
}

/** fetch with the Jupyter server's authentication (its token or cookie, and the XSRF header). */
export const serverFetch =
  (settings: ServerConnection.ISettings): typeof fetch =>
  (input, init) =>
    ServerConnection.makeRequest(String(input), init ?? {}, settings);

/** The headers `ServerConnection.makeRequest` adds, for an upload sent with XMLHttpRequest. */
export function serverAuthHeaders(
  settings: ServerConnection.ISettings,
  cookie: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (settings.token) headers.Authorization = `token ${settings.token}`;
  const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(cookie);
  if (xsrf) headers['X-XSRFToken'] = xsrf[1]!;
  return headers;
}

/** An uploader that authenticates to the Jupyter server as `serverFetch` does. */
export const serverUploader =
  (settings: ServerConnection.ISettings, upload: Uploader): Uploader =>
  (request) =>
    upload({
      ...request,
      headers: { ...request.headers, ...serverAuthHeaders(settings, document.cookie) },
    });
