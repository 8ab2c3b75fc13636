import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UnusableArtifactError } from '../../errors.js';

/** Limits on the PMML document, from the publish `config` (`maxBytes`, `maxDepth`). */
export interface XmlLimits {
  /** Largest document accepted, in bytes. */
  maxBytes: number;
  /**
   * Deepest element nesting accepted; also the deepest a computed field may nest its
   * expressions, derived fields and functions (what scoring a record recurses through).
   */
  maxDepth: number;
}

const MiB = 1024 * 1024;

/** 64 MiB and 200 levels: far above what exporters write, far below what hurts the gateway. */
export const DEFAULT_LIMITS: XmlLimits = { maxBytes: 64 * MiB, maxDepth: 200 };

/** One element of the document, attributes as written, children in document order. */
export interface XmlElement {
  readonly name: string;
  /** Attribute values exactly as written: a category `"  female"` keeps its spaces. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text, trimmed (for `Constant`, `Array`, table cells). */
  readonly text: string;
  /** The line of the document its start tag is on (1-based), for error messages. */
  readonly line?: number;
}

/** ` (line 12)`: where an element is, for a message that names it. */
export function lineOf(el: XmlElement): string {
  return el.line === undefined ? '' : ` (line ${el.line})`;
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
    // Trimming would trim attribute values too, and PMML values are exact text (a category may
    // begin with spaces); element text is trimmed below instead.
    trimValues: false,
    // Where each element starts, so that a refusal can name its line.
    captureMetaData: true,
    processEntities: true,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: limits.maxDepth,
    // Callbacks get the parser's matcher instead of a path string built for every element,
    // which made parsing quadratic in the nesting depth.
    jPath: false,
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
  const lines = lineStarts(text);
  const roots = raw.map((n) => toElement(n, lines)).filter((e): e is XmlElement => e !== undefined);
  const root = roots.find((e) => e.name === 'PMML');
  if (!root)
    throw new UnusableArtifactError(
      `not a PMML document: the root element is ${roots[0]?.name ?? 'missing'}, expected PMML`,
    );
  return root;
}

type RawNode = Record<string | symbol, unknown> & { ':@'?: Record<string, string> };

const META = XMLParser.getMetaDataSymbol() as symbol;

/** Offsets at which the document's lines start. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line holding offset `at`. */
function lineAt(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The element name of a parser node; `undefined` for text, comments and processing instructions. */
function elementName(n: RawNode): string | undefined {
  const name = Object.keys(n).find((k) => k !== ':@');
  if (!name || name === '#text' || name === '#comment' || name.startsWith('?')) return undefined;
  return name;
}

interface Building {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  readonly line: number | undefined;
  readonly kids: unknown[];
  next: number;
}

/**
 * A parser node as an {@link XmlElement}, depth first with an explicit stack: the depth of a
 * document costs memory here, never the call stack.
 */
function toElement(node: unknown, lines: readonly number[]): XmlElement | undefined {
  const start = (n: RawNode, name: string): Building => {
    const at = (n[META] as { startIndex?: number } | undefined)?.startIndex;
    return {
      name,
      attrs: n[':@'] ?? {},
      children: [],
      text: '',
      line: at === undefined ? undefined : lineAt(lines, at),
      kids: (n[name] as unknown[]) ?? [],
      next: 0,
    };
  };
  const finish = (b: Building): XmlElement =>
    b.line === undefined
      ? { name: b.name, attrs: b.attrs, children: b.children, text: b.text.trim() }
      : { name: b.name, attrs: b.attrs, children: b.children, text: b.text.trim(), line: b.line };
  const rootName = elementName(node as RawNode);
  if (rootName === undefined) return undefined;
  const stack: Building[] = [start(node as RawNode, rootName)];
  for (;;) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.kids.length) {
      stack.pop();
      const done = finish(top);
      if (stack.length === 0) return done;
      stack[stack.length - 1]!.children.push(done);
      continue;
    }
    const k = top.kids[top.next++] as RawNode;
    const t = k['#text'];
    if (t !== undefined) top.text += String(t);
    else {
      const name = elementName(k);
      if (name !== undefined) stack.push(start(k, name));
    }
  }
}

/** The children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first child of `el` named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
