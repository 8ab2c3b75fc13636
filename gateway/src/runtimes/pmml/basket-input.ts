import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import type { FieldSpec, RecordValue } from '../../protocol/signature.js';
import type { InputField } from './mining-schema.js';
import type { Scope, SlotAllocator } from './scope.js';
import { attr, dataTypeOf, type Env, type Value } from './values.js';
import { childrenNamed, type XmlElement } from './xml.js';

/**
 * The input of an AssociationModel: its one active field carries a whole basket, a JSON array
 * of items (`{"item": ["bread", "milk"]}`), as JPMML-Evaluator takes a collection for it. The
 * group field (the transaction id of the training data) is not part of a record. An empty basket
 * fires no rule; an item the model does not know is ignored; a missing basket is refused (400),
 * as JPMML refuses it.
 */
export function compileBasketInputs(
  miningSchema: XmlElement,
  dataFields: ReadonlyMap<string, XmlElement>,
  scope: Scope,
  slots: SlotAllocator,
): InputField[] {
  const active = childrenNamed(miningSchema, 'MiningField').filter(
    (f) => (f.attrs.usageType ?? 'active') === 'active',
  );
  if (active.length !== 1)
    throw new UnusableArtifactError(
      `an AssociationModel needs one active field (the basket of items); this one has ${active.length}`,
    );
  const name = attr(active[0]!, 'name');
  const df = dataFields.get(name);
  if (!df) throw new UnusableArtifactError(`MiningField "${name}" is not in the DataDictionary`);
  if (dataTypeOf(df) !== 'string')
    throw new UnusableArtifactError(
      `the AssociationModel's item field "${name}" has dataType="${df.attrs.dataType}"; only string items are supported`,
    );
  const slot = slots.next();
  scope.define({
    name,
    dataType: 'string',
    optype: 'categorical',
    get: (env) => env[slot] as Value,
  });
  const spec: FieldSpec = {
    name,
    type: 'string',
    shape: [null],
    help: 'the basket: an array of items',
  };
  const prepare = (record: RecordValue, env: Env): void => {
    const raw = record[name];
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string'))
      throw new InvalidInputError(
        `field ${name}: expected the basket as an array of strings, got ${String(JSON.stringify(raw)).slice(0, 80)}`,
        name,
      );
    env[slot] = raw as unknown as Value;
  };
  return [{ name, slot, spec, prepare }];
}
