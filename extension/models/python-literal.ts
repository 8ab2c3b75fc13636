/**
 * A reader of the Python literals a parameters cell holds as defaults: numbers, strings,
 * True/False/None, and lists, tuples and dicts of those — what `ast.literal_eval` accepts and
 * JSON can carry, which is what the gateway's worker keeps as a parameter's default
 * (gateway/workers/python/slipway_worker/notebooks.py, `_literal` and `_json_safe`).
 * Anything else (a call such as `np.float64(0.5)`, a name, an f-string, bytes, a set) is not a
 * literal: the gateway then types the parameter from its annotation, else as `json`, with no
 * default.
 */

/** The value of a literal, or `{ literal: false }` when the text is not one. */
export type LiteralResult =
  { literal: true; value: unknown; pythonType: string } | { literal: false };

class NotLiteral extends Error {}

const NUMBER =
  /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*\.?[\d_]*(?:[eE][-+]?\d+)?|\.\d[\d_]*(?:[eE][-+]?\d+)?)/;

/** Parses `text` as one Python literal. */
export function parsePythonLiteral(text: string): LiteralResult {
  const reader = new Reader(text);
  try {
    const value = reader.value();
    reader.skipSpace();
    if (!reader.atEnd()) return { literal: false };
    return { literal: true, value: value.value, pythonType: value.type };
  } catch (err) {
    if (err instanceof NotLiteral) return { literal: false };
    throw err;
  }
}

interface Parsed {
  value: unknown;
  /** The Python type name `type(value).__name__` gives. */
  type: string;
}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    // Inside brackets, line breaks and comments are white space too.
    for (;;) {
      const rest = this.text.slice(this.pos);
      const space = /^(?:\s|\\\n|#[^\n]*)+/.exec(rest);
      if (!space) return;
      this.pos += space[0].length;
    }
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  value(): Parsed {
    this.skipSpace();
    const c = this.peek();
    if (c === '[') return { value: this.sequence('[', ']'), type: 'list' };
    if (c === '(') return this.tuple();
    if (c === '{') return this.dict();
    if (c === '-' || c === '+') {
      this.pos++;
      const operand = this.value();
      if (typeof operand.value !== 'number') throw new NotLiteral();
      return { value: c === '-' ? -operand.value : operand.value, type: operand.type };
    }
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.pos += word.length;
      if (word === 'None') return { value: null, type: 'NoneType' };
      return { value: word === 'True', type: 'bool' };
    }
    const prefix = /^([rRuU]?)(['"])/.exec(this.text.slice(this.pos));
    if (prefix) {
      this.pos += prefix[1]!.length;
      return { value: this.string(prefix[1]!.toLowerCase() === 'r'), type: 'str' };
    }
    const number = NUMBER.exec(this.text.slice(this.pos))?.[0];
    if (number) return this.number(number);
    throw new NotLiteral();
  }

  private number(raw: string): Parsed {
    this.pos += raw.length;
    // `1j` is complex, `1.0.real` an attribute: neither is kept as a default.
    if (/^[\w.]/.test(this.peek())) throw new NotLiteral();
    const digits = raw.replace(/_/g, '');
    if (/^0[xXoObB]/.test(digits)) return { value: Number(digits), type: 'int' };
    const isFloat = /[.eE]/.test(digits);
    const value = Number(digits);
    if (!Number.isFinite(value)) throw new NotLiteral();
    return { value, type: isFloat ? 'float' : 'int' };
  }

  private string(raw: boolean): string {
    const quote = this.peek();
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = '';
    for (;;) {
      if (this.atEnd()) throw new NotLiteral();
      if (this.text.startsWith(end, this.pos)) {
        this.pos += end.length;
        break;
      }
      const c = this.text[this.pos++]!;
      if (c === '\n' && !triple) throw new NotLiteral();
      if (c !== '\\' || raw) {
        out += c;
        if (c === '\\' && raw && !this.atEnd()) out += this.text[this.pos++];
        continue;
      }
      out += this.escape();
    }
    // Adjacent literals join, as in Python: 'a' 'b' == 'ab'.
    const save = this.pos;
    this.skipSpace();
    const next = /^([rRuU]?)(['"])/.exec(this.text.slice(this.pos));
    if (next) {
      this.pos += next[1]!.length;
      return out + this.string(next[1]!.toLowerCase() === 'r');
    }
    this.pos = save;
    return out;
  }

  private escape(): string {
    const c = this.text[this.pos++] ?? '';
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      '0': '\0',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\n': '',
    };
    if (c in simple) return simple[c]!;
    const hex = { x: 2, u: 4, U: 8 }[c];
    if (hex) {
      const code = this.text.slice(this.pos, this.pos + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(code)) throw new NotLiteral();
      this.pos += hex;
      return String.fromCodePoint(parseInt(code, 16));
    }
    // Python keeps an unknown escape as written.
    return `\\${c}`;
  }

  private sequence(open: string, close: string): unknown[] {
    this.pos += open.length;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) {
        this.pos++;
        return items;
      }
      items.push(this.value().value);
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) throw new NotLiteral();
    }
  }

  private tuple(): Parsed {
    // `(1)` is 1; `(1,)` and `()` are tuples.
    const start = this.pos;
    this.pos++;
    this.skipSpace();
    if (this.peek() === ')') {
      this.pos++;
      return { value: [], type: 'tuple' };
    }
    const first = this.value();
    this.skipSpace();
    if (this.peek() === ')') {
      this.pos++;
      return first;
    }
    this.pos = start;
    return { value: this.sequence('(', ')'), type: 'tuple' };
  }

  private dict(): Parsed {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.peek() === '}') {
        this.pos++;
        return { value: out, type: 'dict' };
      }
      const key = this.value();
      this.skipSpace();
      // `{1, 2}` is a set: a literal to Python, but JSON has no sets.
      if (this.peek() !== ':') throw new NotLiteral();
      this.pos++;
      // JSON keys are text; json.dumps writes numbers, booleans and None as text too.
      if (typeof key.value === 'object' && key.value !== null) throw new NotLiteral();
      out[key.value === null ? 'null' : String(key.value)] = this.value().value;
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') throw new NotLiteral();
    }
  }
}
