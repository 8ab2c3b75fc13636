import type { TestGateway } from './test-gateway.js';

/** The gateway's event stream (`/api/events`), read event by event. */
export async function openEvents(gw: TestGateway, path = '/api/events') {
  const res = await gw.admin(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    /** The next event of `type` (for which `where` holds, when given). */
    async next<T = unknown>(type: string, where: (data: T) => boolean = () => true): Promise<T> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === type && data) {
            const parsed = JSON.parse(data) as T;
            if (where(parsed)) return parsed;
          }
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream ended');
        buffer += value;
      }
    },
    close: () => reader.cancel(),
  };
}
