/**
 * Cheap recognition of a serialized ONNX `ModelProto` from its first bytes, for files uploaded
 * without a `.onnx` name. Protobuf writes fields in number order, so a model starts with field 1
 * (`ir_version`, a small varint) and reaches field 7 (`graph`) after a few short fields
 * (producer, domain, version, doc string). Other formats Slipway serves start otherwise: PMML
 * with `<`, notebooks with `{`, pickles with 0x80, MOJO zips with `PK`.
 */

/** Highest `ir_version` we take as plausible (ONNX is at 11; leave room for the future). */
const MAX_IR_VERSION = 64;

/** ModelProto fields by number, with the wire type each is written with (0 varint, 2 bytes). */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
  [26, 2], // configuration
]);
const GRAPH_FIELD = 7;

/** Reads a varint at `pos`; undefined when it runs past the end or is longer than 10 bytes. */
function varint(b: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < b.length && i < pos + 10; i++) {
    const byte = b[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/**
 * True when `head` (the first bytes of a file) reads as the start of an ONNX model: `ir_version`
 * first, then only ModelProto fields of the right wire type, up to the graph field or to the end
 * of `head` (a long doc string may push the graph beyond it).
 */
export function looksLikeOnnx(head: Uint8Array): boolean {
  if (head[0] !== 0x08) return false;
  const ir = varint(head, 1);
  if (!ir || ir.value < 1 || ir.value > MAX_IR_VERSION) return false;
  let pos = ir.next;
  let fields = 1;
  while (pos < head.length) {
    const tag = varint(head, pos);
    if (!tag) break;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    if (MODEL_FIELDS.get(field) !== wire) return false;
    if (field === GRAPH_FIELD) return true;
    const body = varint(head, tag.next);
    if (!body) break;
    pos = wire === 0 ? body.next : body.next + body.value;
    fields++;
  }
  // The head ended before the graph: everything read so far was a model's.
  return fields > 1;
}
