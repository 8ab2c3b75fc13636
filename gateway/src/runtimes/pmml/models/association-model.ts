import { UnusableArtifactError } from '../../../errors.js';
import type { CompiledCore, ModelCompileInput } from '../model-types.js';
import { attr, key, numAttr, unusable, type Value } from '../values.js';
import { child, childrenNamed, type XmlElement } from '../xml.js';
import {
  orderIndex,
  RANK_BASES,
  ruleFeatureOf,
  type RuleMeasure,
  type RuleTable,
} from './association-rules.js';

const MEASURES: readonly RuleMeasure[] = ['support', 'confidence', 'lift', 'leverage', 'affinity'];

/**
 * The Output fields of an AssociationModel are checked here, where the rules are known: every
 * rule must carry the measure a field ranks by or answers, and the id a ruleId answers.
 */
function checkOutputs(output: XmlElement | undefined, table: RuleTable): void {
  for (const of of output ? childrenNamed(output, 'OutputField') : []) {
    const rf = ruleFeatureOf(of);
    if (!rf)
      throw unusable(
        of,
        `OutputField "${of.attrs.name}": feature="${of.attrs.feature ?? 'predictedValue'}" of an AssociationModel is not supported`,
      );
    for (const m of [rf.rankBasis, rf.feature])
      if (
        (MEASURES as string[]).includes(m) &&
        table.rules.some((r) => Number.isNaN(r[m as RuleMeasure]))
      )
        throw unusable(
          of,
          `OutputField "${of.attrs.name}" needs every AssociationRule's ${m}, which some rule lacks`,
        );
    if (rf.feature === 'ruleId' && table.rules.some((r) => r.id === undefined))
      throw unusable(
        of,
        `OutputField "${of.attrs.name}" answers ruleId, but some AssociationRule has no id`,
      );
  }
}

/**
 * AssociationModel (association rules): the record is a basket of items (an array in the
 * record's active field); a rule's antecedent and consequent are tested against it once, and the
 * Output fields (ruleValue, or the older antecedent/consequent/rule/ruleId/confidence/support/
 * lift/leverage features) rank the rules that fire for their algorithm. Testing is linear in the
 * rules' sizes; the rankings are sorted once, when the document is compiled.
 */
export function compileAssociation({ el, scope }: ModelCompileInput): CompiledCore {
  const items = new Map<string, { index: number; value: string }>();
  for (const it of childrenNamed(el, 'Item')) {
    for (const a of ['field', 'category', 'mappedValue'])
      if (it.attrs[a] !== undefined)
        throw unusable(it, `Item ${a}="${it.attrs[a]}" is not supported`);
    items.set(attr(it, 'id'), { index: items.size, value: attr(it, 'value') });
  }
  const itemIndex = new Map([...items.values()].map((i) => [i.value, i.index]));
  const itemsets = new Map<string, { items: Int32Array; values: string[] }>();
  for (const s of childrenNamed(el, 'Itemset')) {
    const refs = childrenNamed(s, 'ItemRef').map((r) => {
      const item = items.get(attr(r, 'itemRef'));
      if (!item) throw unusable(r, `ItemRef "${r.attrs.itemRef}" names no Item`);
      return item;
    });
    itemsets.set(attr(s, 'id'), {
      items: Int32Array.from(refs, (i) => i.index),
      values: refs.map((i) => i.value),
    });
  }
  const setOf = (r: XmlElement, which: string) => {
    const s = itemsets.get(attr(r, which));
    if (!s) throw unusable(r, `AssociationRule ${which}="${r.attrs[which]}" names no Itemset`);
    return s;
  };
  const rules = childrenNamed(el, 'AssociationRule').map((r) => {
    const antecedent = setOf(r, 'antecedent');
    const consequent = setOf(r, 'consequent');
    return {
      id: r.attrs.id,
      antecedent,
      consequent,
      text: `{${antecedent.values.join(',')}}->{${consequent.values.join(',')}}`,
      support: numAttr(r, 'support'),
      confidence: numAttr(r, 'confidence'),
      lift: numAttr(r, 'lift', Number.NaN),
      leverage: numAttr(r, 'leverage', Number.NaN),
      affinity: numAttr(r, 'affinity', Number.NaN),
    };
  });
  // Every ranking, sorted once: by the measure, then in document order (a stable sort).
  const orders: Int32Array[] = [];
  for (const basis of RANK_BASES)
    for (const descending of [true, false]) {
      const idx = Array.from(rules, (_r, i) => i);
      idx.sort((a, b) => {
        const d = rules[a]![basis] - rules[b]![basis];
        return Number.isNaN(d) ? 0 : descending ? -d : d;
      });
      orders[orderIndex(basis, descending)] = Int32Array.from(idx);
    }
  const table: RuleTable = { rules, orders };
  checkOutputs(child(el, 'Output'), table);

  const active = childrenNamed(child(el, 'MiningSchema')!, 'MiningField').filter(
    (f) => (f.attrs.usageType ?? 'active') === 'active',
  );
  if (active.length !== 1)
    throw new UnusableArtifactError(
      `an AssociationModel needs one active field (the basket of items); this one has ${active.length}`,
    );
  const basket = scope.require(attr(active[0]!, 'name'), 'AssociationModel').get;
  const held = new Uint8Array(items.size);
  const within = (s: { items: Int32Array }) => {
    for (let i = 0; i < s.items.length; i++) if (!held[s.items[i]!]) return false;
    return true;
  };
  return {
    score: (env) => {
      const values = basket(env) as unknown as readonly Value[] | null;
      held.fill(0);
      for (const v of values ?? []) {
        const i = v === null ? undefined : itemIndex.get(key(v));
        if (i !== undefined) held[i] = 1;
      }
      const antecedentIn = new Uint8Array(rules.length);
      const consequentIn = new Uint8Array(rules.length);
      rules.forEach((r, i) => {
        antecedentIn[i] = within(r.antecedent) ? 1 : 0;
        consequentIn[i] = within(r.consequent) ? 1 : 0;
      });
      return { value: null, rules: { table, antecedentIn, consequentIn } };
    },
  };
}
