/** Sends a body (a multipart form, or a file as it is) and reports how much of it went out. */
export type Uploader = (request: {
  url: string;
  /** POST unless given: a reference replaces the last one, so it is PUT. */
  method?: 'POST' | 'PUT';
  body: FormData | Blob;
  headers: Record<string, string>;
  onProgress?: (fraction: number) => void;
}) => Promise<{ status: number; body: string }>;

/**
 * The browser's uploader. `fetch` cannot report upload progress, XMLHttpRequest can.
 * A network failure rejects with a TypeError, as fetch does, so callers handle both alike.
 */
export const xhrUploader: Uploader = ({ url, method = 'POST', body, headers, onProgress }) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    xhr.onerror = () => reject(new TypeError(`network error sending ${method} ${url}`));
    xhr.send(body);
  });

/** An uploader over any fetch (tests, Node): no progress events, one call at the end. */
export function fetchUploader(fetchImpl: typeof fetch): Uploader {
  return async ({ url, method = 'POST', body, headers, onProgress }) => {
    const res = await fetchImpl(url, { method, body, headers });
    const text = await res.text();
    onProgress?.(1);
    return { status: res.status, body: text };
  };
}
