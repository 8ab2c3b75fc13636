const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** The powers of ten a double holds exactly. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Digits whose integer a double holds exactly (10^15 < 2^53). */
const EXACT_DIGITS = 15;

/** JSON's white space: the only kind `JSON.parse` takes between a list's items. */
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= ZERO && c <= NINE;

/**
 * Reads a CSV cell that holds a JSON list of `width` JSON numbers (`[5.1, 3.5, 1.4, 0.2]`) into
 * `out` from `at`, each number the value `JSON.parse` gives it, and answers true; false for any
 * other cell (another length, an item that is not a JSON number, text around the list but
 * what `trim` takes away, as the cell's reader trims it). One pass over the cell's characters,
 * no string made for a number that has at most 15 digits and a power of ten a double holds
 * exactly (one exact division or product, rounded once: the value `Number` reads); any other
 * number is read by `Number`.
 */
export function readNumberList(
  cell: string,
  width: number,
  out: Float64Array,
  at: number,
): boolean {
  const text =
    cell.charCodeAt(0) === OPEN && cell.charCodeAt(cell.length - 1) === CLOSE ? cell : cell.trim();
  const end = text.length;
  if (text.charCodeAt(0) !== OPEN) return false;
  let i = 1;
  for (let k = 0; k < width; k++) {
    while (isJsonSpace(text.charCodeAt(i))) i++;
    const start = i;
    const negative = text.charCodeAt(i) === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let c = text.charCodeAt(i);
    if (c === ZERO) c = text.charCodeAt(++i);
    else if (isDigit(c))
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = text.charCodeAt(++i);
      } while (isDigit(c));
    else return false;
    if (c === DOT) {
      c = text.charCodeAt(++i);
      if (!isDigit(c)) return false;
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        scale--;
        c = text.charCodeAt(++i);
      } while (isDigit(c));
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = text.charCodeAt(++i);
      const below = c === MINUS;
      if (below || c === PLUS) c = text.charCodeAt(++i);
      if (!isDigit(c)) return false;
      let exponent = 0;
      do {
        // Past any double's range either way: kept there, not grown without bound.
        if (exponent < 100_000) exponent = exponent * 10 + (c - ZERO);
        c = text.charCodeAt(++i);
      } while (isDigit(c));
      scale += below ? -exponent : exponent;
    }
    let x: number;
    if (digits <= EXACT_DIGITS && scale >= -22 && scale <= 22) {
      const magnitude =
        scale < 0 ? mantissa / EXACT_POWERS[-scale]! : mantissa * EXACT_POWERS[scale]!;
      x = negative ? -magnitude : magnitude;
    } else x = Number(text.slice(start, i));
    out[at + k] = x;
    while (isJsonSpace(text.charCodeAt(i))) i++;
    if (k < width - 1) {
      if (text.charCodeAt(i) !== COMMA) return false;
      i++;
    }
  }
  return text.charCodeAt(i) === CLOSE && i + 1 === end;
}
