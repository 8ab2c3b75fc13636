const encoder = new TextEncoder();
/** Bytes a UTF-16 code unit can take in UTF-8, at most (a lone surrogate: U+FFFD's three). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * A chunk's output lines written as UTF-8 bytes where they are made, into one buffer kept from
 * chunk to chunk: `take` answers them as bytes of their own, which move to the thread that
 * appends them to the output file. No string is made per line and none for the chunk: joining
 * a chunk's pieces, copying the text to another thread and encoding it there cost a job more
 * than making its cells did.
 */
export class ByteLines {
  private buf = new Uint8Array(1 << 16);
  private n = 0;

  /** Text, as UTF-8 (a lone surrogate as U+FFFD, as `Buffer.from` writes it). */
  push(text: string): void {
    const length = text.length;
    this.room(length);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.n = n;
        return this.utf8(i === 0 ? text : text.slice(i));
      }
      buf[n++] = c;
    }
    this.n = n;
  }

  /** One byte (an ASCII character's code). */
  byte(code: number): void {
    this.room(1);
    this.buf[this.n++] = code;
  }

  /** Bytes made once and written many times (a call's prediction id prefix). */
  bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  /** A whole number ≥ 0 below 2^53, in decimal digits, as `String` writes it. */
  digits(value: number): void {
    let v = value;
    let count = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) count++;
    this.room(count);
    const buf = this.buf;
    let at = this.n + count;
    this.n = at;
    do {
      const q = Math.floor(v / 10);
      buf[--at] = 48 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  /** The bytes written since the last `take`, in a buffer of their own (theirs to transfer). */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.n);
    this.n = 0;
    return out;
  }

  private utf8(text: string): void {
    this.room(text.length * MAX_BYTES_PER_UNIT);
    this.n += encoder.encodeInto(text, this.buf.subarray(this.n)).written;
  }

  private room(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.n + bytes));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }
}

/** Text as UTF-8 bytes, to write with `ByteLines.bytes`. */
export const utf8Bytes = (text: string): Uint8Array => encoder.encode(text);

/** Bytes as text (a test reading what was written). */
export const utf8Text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
