import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UnusableArtifactError } from '../../errors.js';

/** Limits on the PMML document, from the publish `config` (`maxBytes`, `maxDepth`). */
export interface XmlLimits {
  /** Largest document accepted, in bytes. */
  maxBytes: number;
  /** Deepest element nesting accepted. */
  maxDepth: number;
}

/** 64 MiB and 200 levels: far above what exporters write, far below what hurts the gateway. */
export const DEFAULT_LIMITS: XmlLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 200 };

/** One element of the document, attributes as written, children in document order. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text, trimmed (for `Constant`, `Array`, table cells). */
  readonly text: string;
}

/** Reads the limits from the publish config, refusing values that are not positive integers. */
export function limitsFrom(config: Record<string, unknown>): XmlLimits {
  const pick = (key: keyof XmlLimits): number => {
    const v = config[key];
    if (v === undefined) return DEFAULT_LIMITS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new UnusableArtifactError(`config.${key} must be a positive integer, got ${String(v)}`);
    return v;
  };
  return { maxBytes: pick('maxBytes'), maxDepth: pick('maxDepth') };
}

/**
 * Parses a PMML document with fast-xml-parser under limits. DTDs are refused outright, so no
 * entity (internal or external) is ever expanded; the document must be well-formed XML, so a
 * truncated file is refused rather than read as a smaller model.
 */
export function parseXml(bytes: Uint8Array, limits: XmlLimits = DEFAULT_LIMITS): XmlElement {
  if (bytes.byteLength > limits.maxBytes)
    throw new UnusableArtifactError(
      `the PMML document is ${bytes.byteLength} bytes, more than the limit of ${limits.maxBytes} (config.maxBytes)`,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnusableArtifactError('the PMML document is not valid UTF-8 text');
  }
  // Any DTD is refused, even an internal one: PMML never needs one, and entity expansion is
  // the classic way to make an XML parser read files or memory it should not.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw new UnusableArtifactError(
      'the PMML document declares a DOCTYPE or ENTITY; DTDs are not accepted',
    );
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true)
    throw new UnusableArtifactError(
      `the PMML document is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`,
    );
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: limits.maxDepth,
  });
  let raw: unknown[];
  try {
    raw = parser.parse(text) as unknown[];
  } catch (err) {
    const msg = (err as Error).message;
    throw new UnusableArtifactError(
      /nested/i.test(msg)
        ? `the PMML document nests elements deeper than the limit of ${limits.maxDepth} (config.maxDepth)`
        : `the PMML document cannot be parsed: ${msg}`,
    );
  }
  const roots = raw.map(toElement).filter((e): e is XmlElement => e !== undefined);
  const root = roots.find((e) => e.name === 'PMML');
  if (!root)
    throw new UnusableArtifactError(
      `not a PMML document: the root element is ${roots[0]?.name ?? 'missing'}, expected PMML`,
    );
  return root;
}

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElement(node: unknown): XmlElement | undefined {
  const n = node as RawNode;
  const name = Object.keys(n).find((k) => k !== ':@');
  if (!name || name === '#text' || name === '#comment' || name.startsWith('?')) return undefined;
  const kids = (n[name] as unknown[]) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const k of kids) {
    const t = (k as Record<string, unknown>)['#text'];
    if (t !== undefined) text += String(t);
    else {
      const e = toElement(k);
      if (e) children.push(e);
    }
  }
  return { name, attrs: n[':@'] ?? {}, children, text: text.trim() };
}

/** The children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first child of `el` named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
