import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';
import { limitsFrom, MAX_LIMITS } from './pmml-config.js';
import { parseXml } from './xml.js';

const small = readFileSync(
  fileURLToPath(new URL('../../../test/fixtures/pmml/s2p_logistic.pmml', import.meta.url)),
);

function refusal(f: () => unknown): SlipwayError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SlipwayError);
    expect((e as SlipwayError).status).toBe(422);
    return e as SlipwayError;
  }
  throw new Error('expected a 422');
}

describe('PMML parsing limits', () => {
  it('refuses a DOCTYPE, with or without entities (no DTD is ever processed)', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><PMML version="4.4">&b;</PMML>`;
    expect(refusal(() => compileText(laughs)).message).toMatch(/DOCTYPE/);
    const external = `<?xml version="1.0"?><!DOCTYPE PMML SYSTEM "file:///etc/passwd"><PMML version="4.4"/>`;
    expect(refusal(() => compileText(external)).message).toMatch(/DOCTYPE/);
    const entityOnly = `<PMML version="4.4"><!ENTITY x SYSTEM "http://example.com/x"></PMML>`;
    expect(refusal(() => compileText(entityOnly)).message).toMatch(/ENTITY/);
  });

  it('refuses a document nested deeper than the limit', () => {
    const depth = 250;
    const deep = pmmlDoc('<Extension>'.repeat(depth) + '</Extension>'.repeat(depth));
    expect(refusal(() => compileText(deep)).message).toMatch(/deeper than the limit of 200/);
    expect(refusal(() => parseXml(small, { maxBytes: 1 << 20, maxDepth: 3 })).message).toMatch(
      /limit of 3/,
    );
  });

  it('refuses a document larger than the limit', () => {
    expect(refusal(() => parseXml(small, { maxBytes: 1000, maxDepth: 200 })).message).toMatch(
      /more than the limit of 1000/,
    );
  });

  it('reads the limits from the publish config, with defaults', () => {
    expect(limitsFrom({})).toEqual({ maxBytes: 64 * 1024 * 1024, maxDepth: 200 });
    expect(limitsFrom({ maxBytes: 10, maxDepth: 5 })).toEqual({ maxBytes: 10, maxDepth: 5 });
    expect(limitsFrom({ ...MAX_LIMITS })).toEqual(MAX_LIMITS);
  });

  it.each([
    [{ maxDepth: -1 }, 'config.maxDepth'],
    [{ maxDepth: 'deep' }, 'config.maxDepth'],
    [{ maxDepth: 1_000_000 }, 'config.maxDepth'],
    [{ maxDepth: MAX_LIMITS.maxDepth + 1 }, 'config.maxDepth'],
    [{ maxBytes: 2 ** 40 }, 'config.maxBytes'],
    [{ maxBytes: MAX_LIMITS.maxBytes + 1 }, 'config.maxBytes'],
  ])('refuses the limits %j with a 400 naming %s', (config, field) => {
    let err: unknown;
    try {
      limitsFrom(config);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SlipwayError);
    expect((err as SlipwayError).status).toBe(400);
    expect((err as SlipwayError).field).toBe(field);
    expect((err as SlipwayError).message).toContain(field);
  });

  it('parses a document nested to the largest limit without recursing through it', () => {
    // Deep enough that a recursive walk of the parsed tree would need its own stack frames per
    // level; the parser itself stops at the limit, one level further.
    const depth = MAX_LIMITS.maxDepth - 2;
    const deep = pmmlDoc('<Extension>'.repeat(depth) + '</Extension>'.repeat(depth));
    const root = parseXml(new TextEncoder().encode(deep), MAX_LIMITS);
    let levels = 0;
    for (let e = root.children.at(-1); e; e = e.children[0]) levels++;
    expect(levels).toBe(depth);
    const over = MAX_LIMITS.maxDepth + 1;
    const deeper = pmmlDoc('<Extension>'.repeat(over) + '</Extension>'.repeat(over));
    expect(refusal(() => parseXml(new TextEncoder().encode(deeper), MAX_LIMITS)).message).toMatch(
      /deeper than the limit of 500 \(config\.maxDepth\)/,
    );
  });

  it('refuses malformed XML, non-UTF-8 bytes and a document that is not PMML', () => {
    expect(
      refusal(() => compileText('<PMML version="4.4"><DataDictionary></PMML>')).message,
    ).toMatch(/well-formed/);
    expect(refusal(() => parseXml(Uint8Array.from([0x3c, 0xff, 0xfe, 0x3e]))).message).toMatch(
      /UTF-8/,
    );
    expect(refusal(() => compileText('<html><body/></html>')).message).toMatch(
      /root element is html/,
    );
  });

  it('keeps children in document order and decodes the standard entities', () => {
    const root = parseXml(
      new TextEncoder().encode('<PMML><A v="x &amp; y"/><B/><A v="2"/></PMML>'),
    );
    expect(root.children.map((c) => c.name)).toEqual(['A', 'B', 'A']);
    expect(root.children[0]!.attrs.v).toBe('x & y');
  });
});
