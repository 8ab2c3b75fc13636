/**
 * A call form generated from a deployment's signature: the fields to show (typed inputs,
 * category pickers, defaults) and the request body their values make, with every mistake named
 * by its field. Pure and free of any UI library: the monitor's "Try it" tab and the end-user
 * page served by the gateway render the same fields.
 */
import { VALUE_TYPES, type FieldSpec, type Signature, type ValueType } from './signature.js';

/** How a field is entered. */
export type FormFieldKind =
  /** A number input (a float type). */
  | 'number'
  /** A number input taking whole numbers (an integer type). */
  | 'integer'
  | 'text'
  /** A checkbox. */
  | 'boolean'
  /** A picker of the field's allowed values. */
  | 'choice'
  /** One line of comma-separated values (a one-dimensional numeric or boolean tensor). */
  | 'list'
  /** JSON text (any other shape, or a `json` field). */
  | 'json'
  /**
   * A picture (a numeric input shaped like one, see `imageShape`): JSON text of nested arrays,
   * which the end-user page can fill from an image file.
   */
  | 'image'
  /** A date, `YYYY-MM-DD` (a text input whose default is one); sent as that text. */
  | 'date';

/** Where an image's dimensions are: `[H, W]` (grey), `[H, W, C]` or `[C, H, W]`. */
export type ImageLayout = 'hw' | 'hwc' | 'chw';

/** The picture an `image` field takes. */
export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  layout: ImageLayout;
}

/** One of a choice field's values, with the text the picker shows. */
export interface FormChoice {
  value: string | number | boolean;
  label: string;
}

/** One input of the form. */
export interface FormField {
  name: string;
  kind: FormFieldKind;
  /** The signature's element type. */
  type: ValueType;
  /** False: leaving it empty leaves it out of the body. */
  required: boolean;
  /** The allowed values of a `choice` field; [] otherwise. */
  choices: FormChoice[];
  /** What the input holds at first: the default, or the first choice; '' when none. */
  initial: string | boolean;
  /** The number of values a `list` field takes; null when any number goes. */
  length: number | null;
  /** The picture an `image` field takes; null for other kinds. */
  image: ImageShape | null;
  help: string | null;
}

/** What the user entered, by field name: text, or a checkbox's state. */
export type FormValues = Record<string, string | boolean | undefined>;

/** A mistake in one field. */
export interface FormError {
  field: string;
  message: string;
}

/** The body to send, or what is wrong. */
export type FormResult =
  { ok: true; body: Record<string, unknown> } | { ok: false; errors: FormError[] };

const INTEGER_TYPES = new Set<ValueType>(VALUE_TYPES.filter((t) => /^u?int\d+$/.test(t)));
const NUMERIC_TYPES = new Set<ValueType>(VALUE_TYPES.filter((t) => /^(u?int|float)\d+$/.test(t)));
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether text is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/**
 * The picture a numeric input takes when its fixed shape is one: `[H, W]` (grey), or rank 3 with
 * 1 or 3 channels last (`[H, W, C]`) or else first (`[C, H, W]`); H and W at least 2. Null for
 * any other input.
 */
export function imageShape(f: FieldSpec): ImageShape | null {
  const shape = f.shape;
  if (!NUMERIC_TYPES.has(f.type) || !shape || shape.some((d) => d === null)) return null;
  const dims = shape as number[];
  const picture = (
    height: number,
    width: number,
    channels: number,
    layout: ImageLayout,
  ): ImageShape | null =>
    height >= 2 && width >= 2 && (channels === 1 || channels === 3)
      ? { height, width, channels, layout }
      : null;
  if (dims.length === 2) return picture(dims[0]!, dims[1]!, 1, 'hw');
  if (dims.length !== 3) return null;
  const [a, b, c] = dims as [number, number, number];
  return picture(a, b, c, 'hwc') ?? picture(b, c, a, 'chw');
}

/** The form's fields, one per input of the signature, in its order. */
export function formFields(signature: Signature): FormField[] {
  return signature.inputs.map(formField);
}

function formField(f: FieldSpec): FormField {
  const dims = (f.shape ?? []).filter((d, _i, all) => !(all.length === 1 && d === 1));
  const base = {
    name: f.name,
    type: f.type,
    required: f.required !== false && f.default === undefined,
    choices: [] as FormChoice[],
    length: null as number | null,
    image: null as ImageShape | null,
    help: f.help ?? null,
  };
  if (f.values?.length && dims.length === 0) {
    const choices = f.values.map((value) => ({ value, label: String(value) }));
    const initial = f.default !== undefined ? f.default : f.values[0];
    return { ...base, kind: 'choice', choices, initial: String(initial) };
  }
  const image = f.values?.length ? null : imageShape(f);
  if (image)
    return {
      ...base,
      kind: 'image',
      image,
      initial: f.default === undefined ? '' : JSON.stringify(f.default),
    };
  if (f.type === 'json' || dims.length > 1 || (f.shape === undefined && f.type !== 'string'))
    return {
      ...base,
      kind: 'json',
      initial: f.default === undefined ? '' : JSON.stringify(f.default),
    };
  if (dims.length === 1 && f.type !== 'string') {
    const initial = Array.isArray(f.default) ? f.default.map(String).join(', ') : '';
    return { ...base, kind: 'list', length: dims[0] ?? null, initial };
  }
  if (dims.length === 1)
    return {
      ...base,
      kind: 'json',
      initial: f.default === undefined ? '' : JSON.stringify(f.default),
    };
  if (f.type === 'bool')
    return { ...base, required: false, kind: 'boolean', initial: f.default === true };
  if (f.type === 'string' && typeof f.default === 'string' && isIsoDate(f.default))
    return { ...base, kind: 'date', initial: f.default };
  const kind = f.type === 'string' ? 'text' : INTEGER_TYPES.has(f.type) ? 'integer' : 'number';
  return {
    ...base,
    kind,
    initial: f.default === undefined || f.default === null ? '' : String(f.default),
  };
}

/** The request body the values make (one record), or every field's mistake. */
export function formBody(fields: FormField[], values: FormValues): FormResult {
  const body: Record<string, unknown> = {};
  const errors: FormError[] = [];
  for (const field of fields) {
    const raw = values[field.name] ?? field.initial;
    if (field.kind === 'boolean') {
      body[field.name] = raw === true || raw === 'true';
      continue;
    }
    const text = String(raw).trim();
    if (text === '') {
      if (field.required) errors.push({ field: field.name, message: `${field.name}: required` });
      continue;
    }
    try {
      body[field.name] = parseValue(field, text);
    } catch (err) {
      errors.push({ field: field.name, message: `${field.name}: ${(err as Error).message}` });
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, body };
}

function parseValue(field: FormField, text: string): unknown {
  switch (field.kind) {
    case 'number':
    case 'integer':
      return parseScalar(field.kind, text);
    case 'text':
      return text;
    case 'date':
      if (!isIsoDate(text)) throw new Error(`expected a date as YYYY-MM-DD, got "${text}"`);
      return text;
    case 'choice': {
      const choice = field.choices.find((c) => String(c.value) === text);
      if (!choice)
        throw new Error(`expected one of ${field.choices.map((c) => c.label).join(', ')}`);
      return choice.value;
    }
    case 'list': {
      const items = text.split(',').map((s) => s.trim());
      if (field.length !== null && items.length !== field.length)
        throw new Error(`expected ${field.length} comma-separated values, got ${items.length}`);
      return items.map((item, i) => {
        try {
          return field.type === 'bool'
            ? parseBool(item)
            : parseScalar(INTEGER_TYPES.has(field.type) ? 'integer' : 'number', item);
        } catch (err) {
          throw new Error(`value ${i + 1}: ${(err as Error).message}`);
        }
      });
    }
    case 'json':
    case 'image':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error('expected JSON, e.g. [1, 2] or {"a": 1}');
      }
    default:
      return text;
  }
}

function parseScalar(kind: 'number' | 'integer', text: string): number {
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got "${text}"`);
  if (kind === 'integer' && !Number.isInteger(n))
    throw new Error(`expected a whole number, got "${text}"`);
  return n;
}

function parseBool(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`expected true or false, got "${text}"`);
}

/**
 * What a field takes, in a few words for a placeholder or hint ("a whole number",
 * "4 comma-separated numbers"); null for a checkbox or a picker, whose control says it.
 */
export function fieldHint(field: FormField): string | null {
  switch (field.kind) {
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'text':
      return 'text';
    case 'list': {
      const what = field.type === 'bool' ? 'true/false values' : 'numbers';
      return field.length === null
        ? `comma-separated ${what}`
        : `${field.length} comma-separated ${what}`;
    }
    case 'json':
      return 'JSON, e.g. [1, 2] or {"a": 1}';
    case 'date':
      return 'a date, YYYY-MM-DD';
    case 'image':
      return field.image ? imageHint(field.image, INTEGER_TYPES.has(field.type)) : null;
    default:
      return null;
  }
}

function imageHint(image: ImageShape, integer: boolean): string {
  const { height: h, width: w, channels: c, layout } = image;
  const colour = c === 3 ? 'colour (RGB)' : 'grey';
  const nesting = { hw: [h, w], hwc: [h, w, c], chw: [c, h, w] }[layout];
  const json = nesting.map((n) => `[${n}]`).join('');
  const pixels = integer
    ? 'pixels 0–255'
    : 'pixels scaled to 0–1; a model that expects other normalisation should do it itself';
  return `a ${colour} image, resized to ${w}×${h} (or JSON nested arrays ${json}); ${pixels}`;
}
