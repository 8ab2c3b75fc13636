import { ServerConnection, type Contents } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';
import { jupyterFiles } from './jupyter-files.js';

/** A Jupyter server's /files/ handler over `body`, honouring Range when `ranges` says so. */
function server(body: string, ranges: boolean) {
  const asked: { url: string; range: string | null }[] = [];
  const fetch = async (request: Request) => {
    const range = request.headers.get('Range');
    asked.push({ url: request.url, range });
    const bytes = new TextEncoder().encode(body);
    const m = ranges && range ? /^bytes=0-(\d+)$/.exec(range) : null;
    if (!m) return new Response(bytes, { status: 200 });
    const part = bytes.slice(0, Number(m[1]) + 1);
    return new Response(part, {
      status: 206,
      headers: { 'Content-Range': `bytes 0-${part.length - 1}/${bytes.length}` },
    });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab.test/',
    fetch: fetch as typeof globalThis.fetch,
  });
  return { settings, asked };
}

/** A contents manager that records what is saved and lists `names`. */
function contents(names: string[] = []) {
  const saved: Partial<Contents.IModel>[] = [];
  const manager = {
    get: async () => ({ content: names.map((name) => ({ name })) }),
    save: async (_path: string, model: Partial<Contents.IModel>) => {
      saved.push(model);
      return model;
    },
  } as unknown as Contents.IManager;
  return { manager, saved };
}

describe('the Jupyter server’s files, as Score with… reads and writes them', () => {
  it('reads a file whole from /files/, its path encoded', async () => {
    const { settings, asked } = server('id,X\n1,2\n', true);
    const files = jupyterFiles(contents().manager, settings);
    expect(await (await files.read('my data/a b.csv')).text()).toBe('id,X\n1,2\n');
    // The query is JupyterLab's cache buster.
    expect(asked.map((a) => [a.url.split('?')[0], a.range])).toEqual([
      ['http://lab.test/files/my%20data/a%20b.csv', null],
    ]);
  });

  it('reads only the head of a large file, by range, and knows it is not the whole', async () => {
    const big = `id,X\n${'1,2\n'.repeat(40_000)}`;
    const { settings, asked } = server(big, true);
    const head = await jupyterFiles(contents().manager, settings).head('big.csv');
    expect(asked[0]!.range).toBe('bytes=0-65535');
    expect(head.text.length).toBe(65_536);
    expect(head.complete).toBe(false);
  });

  it('a small file is whole, whether the server honours the range or not', async () => {
    for (const ranges of [true, false]) {
      const { settings } = server('id,X\n1,2', ranges);
      const head = await jupyterFiles(contents().manager, settings).head('small.csv');
      expect(head, String(ranges)).toEqual({ text: 'id,X\n1,2', complete: true });
    }
  });

  it('a server that ignores the range: the stream is cut after the head', async () => {
    const big = `id,X\n${'1,2\n'.repeat(40_000)}`;
    const { settings } = server(big, false);
    const head = await jupyterFiles(contents().manager, settings).head('big.csv');
    expect(head.complete).toBe(false);
    expect(head.text.startsWith('id,X\n1,2\n')).toBe(true);
    expect(head.text.length).toBe(65_536);
  });

  it('a missing file is the server’s error', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://lab.test/',
      fetch: (async () =>
        new Response(JSON.stringify({ message: 'No such file' }), {
          status: 404,
        })) as typeof globalThis.fetch,
    });
    await expect(jupyterFiles(contents().manager, settings).head('gone.csv')).rejects.toThrow(
      'No such file',
    );
  });

  it('lists the names beside a file', async () => {
    const { manager } = contents(['a.csv', 'a.predictions.csv']);
    const names = await jupyterFiles(manager, server('', true).settings).namesBeside('d/a.csv');
    expect([...names]).toEqual(['a.csv', 'a.predictions.csv']);
  });

  it('saves a small output as text, a large one in chunks the server appends', async () => {
    const small = contents();
    const files = jupyterFiles(small.manager, server('', true).settings);
    await files.save('d/a.predictions.csv', new Blob(['id,p\n1,0\n']));
    expect(small.saved).toEqual([
      { type: 'file', format: 'text', name: 'a.predictions.csv', content: 'id,p\n1,0\n' },
    ]);

    const large = contents();
    const text = 'x'.repeat(2.5 * 1024 * 1024);
    await jupyterFiles(large.manager, server('', true).settings).save('b.csv', new Blob([text]));
    expect(large.saved.map((m) => [m.format, m.chunk])).toEqual([
      ['base64', 1],
      ['base64', 2],
      ['base64', -1],
    ]);
    const joined = large.saved.map((m) => atob(m.content as string)).join('');
    expect(joined).toBe(text);
  });
});
