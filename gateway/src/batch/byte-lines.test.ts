import { describe, expect, it } from 'vitest';
import { ByteLines, utf8Bytes } from './byte-lines.js';

const TEXTS = [
  '',
  'r1,611.2642494824532,',
  'naïve',
  'a\u00e9b',
  '東京,"quoted, cell"',
  '😀 and more',
  // Lone surrogates: written as U+FFFD, as Buffer.from writes them.
  'x\ud800y',
  '\udc00',
  'end\ud83d',
];

describe('ByteLines', () => {
  it('writes text as the UTF-8 bytes Buffer.from makes of it, ASCII or not', () => {
    for (const text of TEXTS) {
      const lines = new ByteLines();
      lines.push(text);
      expect(Buffer.from(lines.take()).equals(Buffer.from(text, 'utf8')), text).toBe(true);
    }
  });

  it('writes whole numbers as String writes them', () => {
    const numbers = [0, 7, 9, 10, 99, 100, 12345, 999_999, 2 ** 31, 2 ** 53 - 1];
    const lines = new ByteLines();
    for (const v of numbers) {
      lines.digits(v);
      lines.byte(0x0a);
    }
    expect(Buffer.from(lines.take()).toString()).toBe(numbers.map((v) => `${v}\n`).join(''));
  });

  it('keeps what was written as it grows, and starts afresh after take', () => {
    const lines = new ByteLines();
    const call = utf8Bytes('call-é:');
    let expected = '';
    // Well past the first buffer's 64 KiB, with text, bytes and digits mixed.
    for (let i = 0; i < 20_000; i++) {
      lines.push(i % 7 === 0 ? 'ü,' : 'r,');
      lines.bytes(call);
      lines.digits(i);
      lines.byte(0x0a);
      expected += `${i % 7 === 0 ? 'ü,' : 'r,'}call-é:${i}\n`;
    }
    const first = lines.take();
    expect(Buffer.from(first).toString()).toBe(expected);
    lines.push('next');
    expect(Buffer.from(lines.take()).toString()).toBe('next');
    // What was taken is its own: writing more does not change it.
    expect(Buffer.from(first).toString()).toBe(expected);
  });
});
