import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection, type Contents } from '@jupyterlab/services';

/** How much of a file is read to learn its columns. */
const HEAD_BYTES = 64 * 1024;
/** Outputs above this are saved in chunks, as JupyterLab's own uploads are. */
const CHUNK_BYTES = 1024 * 1024;

/** The Jupyter server's files as Score with… reads and writes them. */
export interface JupyterFiles {
  /** The whole file, as the server serves it under /files/ (no base64 round trip). */
  read(path: string): Promise<Blob>;
  /** Its first bytes as text, and whether that is the whole file. */
  head(path: string): Promise<{ text: string; complete: boolean }>;
  /** The names in the folder of `path`. */
  namesBeside(path: string): Promise<ReadonlySet<string>>;
  save(path: string, file: Blob): Promise<void>;
}

/** The files of the Jupyter server behind `contents`. */
export function jupyterFiles(
  contents: Contents.IManager,
  settings: ServerConnection.ISettings,
): JupyterFiles {
  const filesUrl = (path: string) =>
    URLExt.join(settings.baseUrl, 'files', URLExt.encodeParts(path));
  const get = async (path: string, init: RequestInit = {}) => {
    const res = await ServerConnection.makeRequest(filesUrl(path), init, settings);
    if (!res.ok) throw await ServerConnection.ResponseError.create(res);
    return res;
  };
  return {
    read: async (path) => (await get(path)).blob(),

    async head(path) {
      // A range where the server honours it; else the first bytes of the stream, then stop.
      const res = await get(path, { headers: { Range: `bytes=0-${HEAD_BYTES - 1}` } });
      const reader = res.body?.getReader();
      if (!reader) return { text: await res.text(), complete: true };
      const parts: Uint8Array[] = [];
      let size = 0;
      let ended = false;
      while (size < HEAD_BYTES) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          break;
        }
        parts.push(value);
        size += value.length;
      }
      void reader.cancel().catch(() => undefined);
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
      const kept = bytes.subarray(0, HEAD_BYTES);
      const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')?.[1];
      const complete =
        res.status === 206
          ? total !== undefined && Number(total) <= kept.length
          : ended && size <= HEAD_BYTES;
      return { text: new TextDecoder().decode(kept, { stream: !complete }), complete };
    },

    async namesBeside(path) {
      const dir = PathExt.dirname(path);
      const listing = await contents.get(dir, { content: true, type: 'directory' });
      return new Set((listing.content as Contents.IModel[]).map((item) => item.name));
    },

    async save(path, file) {
      const name = PathExt.basename(path);
      if (file.size <= CHUNK_BYTES) {
        await contents.save(path, {
          type: 'file',
          format: 'text',
          name,
          content: await file.text(),
        });
        return;
      }
      // Chunk n of many, the last one -1: the server appends them in order.
      for (let start = 0, n = 1; start < file.size; start += CHUNK_BYTES, n++) {
        const last = start + CHUNK_BYTES >= file.size;
        const bytes = new Uint8Array(await file.slice(start, start + CHUNK_BYTES).arrayBuffer());
        await contents.save(path, {
          type: 'file',
          format: 'base64',
          name,
          chunk: last ? -1 : n,
          content: base64Of(bytes),
        });
      }
    },
  };
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
