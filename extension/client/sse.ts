/** One message of a server-sent event stream, once its blank line arrived. */
export interface SseMessage {
  /** The `event:` field; `message` when the server sent none. */
  event: string;
  /** The `data:` lines, joined with newlines. */
  data: string;
  /** The last `id:` seen, as the spec carries it over to later messages. */
  id: string;
}

/**
 * Parses the `text/event-stream` format incrementally, as the HTML standard defines it:
 * lines end with CRLF, LF or CR (a CRLF may be split across chunks), `:` starts a comment,
 * one space after the colon is dropped, a blank line dispatches, a message without data is
 * not dispatched, and `retry:` takes digits only. An unterminated message at the end of the
 * stream is dropped, as browsers drop it.
 */
export class SseParser {
  private buffer = '';
  private started = false;
  private skipLf = false;
  private event = '';
  private data: string[] = [];
  private lastId = '';
  private _retry: number | null = null;

  /** The reconnection delay the server asked for (`retry:`), null until it does. */
  get retry(): number | null {
    return this._retry;
  }

  /** Takes the next decoded chunk; returns the messages it completed. */
  feed(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    if (text.length) this.skipLf = false;
    this.buffer += text;
    const out: SseMessage[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = lineEnd.exec(this.buffer); m; m = lineEnd.exec(this.buffer)) {
      // A CR as the buffer's last character may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.skipLf = true;
      const message = this.line(this.buffer.slice(start, m.index));
      if (message) out.push(message);
      start = m.index + m[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this._retry = Number(value);
        break;
      default:
      // Unknown fields are ignored.
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const { event, data } = this;
    this.event = '';
    this.data = [];
    if (data.length === 0) return null;
    return { event: event || 'message', data: data.join('\n'), id: this.lastId };
  }
}
