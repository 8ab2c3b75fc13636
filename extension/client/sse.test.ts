import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

/** Every message of `chunks` fed one after another. */
const parse = (...chunks: string[]) => {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.feed(c));
};

describe('the text/event-stream format', () => {
  it('dispatches on a blank line, with the event name, data and id', () => {
    expect(parse('event: alert\ndata: {"a":1}\nid: 7\n\n')).toEqual([
      { event: 'alert', data: '{"a":1}', id: '7' },
    ]);
  });

  it('names an unnamed event "message" and joins data lines with newlines', () => {
    expect(parse('data: one\ndata:two\ndata\n\n')).toEqual([
      { event: 'message', data: 'one\ntwo\n', id: '' },
    ]);
  });

  it('drops one space after the colon, not more', () => {
    expect(parse('data:  x\n\n')[0]!.data).toBe(' x');
  });

  it('ignores comments (the heartbeat) and messages without data', () => {
    expect(parse(': connected\n\n', ': heartbeat\n\n', 'event: alert\n\n')).toEqual([]);
  });

  it('takes lines split anywhere across chunks', () => {
    const text = 'event: feedback\ndata: {"deployment":"iris","accepted":3}\nid: 12\n\n';
    for (let cut = 1; cut < text.length; cut++)
      expect(parse(text.slice(0, cut), text.slice(cut)), `cut at ${cut}`).toEqual([
        { event: 'feedback', data: '{"deployment":"iris","accepted":3}', id: '12' },
      ]);
  });

  it('accepts CRLF and CR line ends, a CRLF split between chunks included', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\rdata: c\r', '\n\r\n')).toEqual([
      { event: 'message', data: 'a', id: '' },
      { event: 'message', data: 'b', id: '' },
      { event: 'message', data: 'c', id: '' },
    ]);
  });

  it('strips a byte order mark at the start only', () => {
    expect(parse('\uFEFFdata: x\n\n')[0]!.data).toBe('x');
    expect(parse('data: x\n\n', '\uFEFFdata: y\n\n')).toHaveLength(1);
  });

  it('keeps the last id for later messages and resets the event name', () => {
    expect(parse('event: a\nid: 1\ndata: x\n\ndata: y\n\n')).toEqual([
      { event: 'a', data: 'x', id: '1' },
      { event: 'message', data: 'y', id: '1' },
    ]);
  });

  it('reads retry as digits only', () => {
    const parser = new SseParser();
    parser.feed('retry: 5000\n\n');
    expect(parser.retry).toBe(5000);
    parser.feed('retry: soon\n\n');
    expect(parser.retry).toBe(5000);
  });

  it('holds an unterminated message back', () => {
    const parser = new SseParser();
    expect(parser.feed('data: x\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'message', data: 'x', id: '' }]);
  });
});
