import { describe, expect, it } from 'vitest';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

const DD = `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="c" optype="categorical" dataType="string"/>
  <DataField name="y" optype="categorical" dataType="string"><Value value="no"/><Value value="yes"/></DataField>
</DataDictionary>`;

/**
 * root (no score... or "root") → x ≤ 5 → leaf A (no: 3, yes: 1); x > 5 → node B, which splits on
 * c ∈ {a, b} → leaf C (yes), c = z → leaf D (no).
 */
function tree(attrs: string, rootScore = 'score="no"', bDefault = '') {
  return compileText(
    pmmlDoc(`${DD}<TreeModel functionName="classification" ${attrs}>
      <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="c" invalidValueTreatment="asIs"/></MiningSchema>
      <Output>
        <OutputField name="label" feature="predictedValue" dataType="string"/>
        <OutputField name="p_yes" feature="probability" value="yes" dataType="double"/>
        <OutputField name="node" feature="entityId" dataType="string"/>
      </Output>
      <Node id="root" ${rootScore}><True/>
        <ScoreDistribution value="no" recordCount="6"/><ScoreDistribution value="yes" recordCount="2"/>
        <Node id="A" score="no"><SimplePredicate field="x" operator="lessOrEqual" value="5"/>
          <ScoreDistribution value="no" recordCount="3"/><ScoreDistribution value="yes" recordCount="1"/>
        </Node>
        <Node id="B" score="yes" ${bDefault}><SimplePredicate field="x" operator="greaterThan" value="5"/>
          <ScoreDistribution value="no" recordCount="1"/><ScoreDistribution value="yes" recordCount="3"/>
          <Node id="C" score="yes"><SimpleSetPredicate field="c" booleanOperator="isIn"><Array type="string">a "b"</Array></SimpleSetPredicate></Node>
          <Node id="D" score="no"><SimplePredicate field="c" operator="equal" value="z"/></Node>
        </Node>
      </Node>
    </TreeModel>`),
  );
}

describe('TreeModel', () => {
  it('walks to a leaf, answering its score, distribution and node id', () => {
    expect(tree('').score({ x: 2, c: 'a' })).toEqual({ label: 'no', p_yes: 0.25, node: 'A' });
    expect(tree('').score({ x: 9, c: 'b' })).toEqual({ label: 'yes', p_yes: 1, node: 'C' });
    expect(tree('').score({ x: 9, c: 'z' })).toMatchObject({ label: 'no', node: 'D' });
  });

  it('noTrueChildStrategy: null prediction by default, or the last node reached', () => {
    expect(tree('').score({ x: 9, c: 'q' })).toEqual({ label: null, p_yes: null, node: null });
    expect(tree('noTrueChildStrategy="returnLastPrediction"').score({ x: 9, c: 'q' })).toEqual({
      label: 'yes',
      p_yes: 0.75,
      node: 'B',
    });
  });

  it('missingValueStrategy decides what an unknown predicate does', () => {
    // none: unknown counts as false; no child is true, so the default null prediction.
    expect(tree('missingValueStrategy="none"').score({ c: 'a' }).label).toBeNull();
    expect(
      tree('missingValueStrategy="none" noTrueChildStrategy="returnLastPrediction"').score({
        c: 'a',
      }).node,
    ).toBe('root');
    expect(tree('missingValueStrategy="nullPrediction"').score({ c: 'a' }).label).toBeNull();
    expect(tree('missingValueStrategy="lastPrediction"').score({ c: 'a' })).toEqual({
      label: 'no',
      p_yes: 0.25,
      node: 'root',
    });
    // defaultChild: the root names B, so a missing x goes on down B.
    const dc = compileText(
      pmmlDoc(
        `${DD}<TreeModel functionName="regression" missingValueStrategy="defaultChild">
        <MiningSchema><MiningField name="x"/><MiningField name="c"/></MiningSchema>
        <Node score="0" defaultChild="2"><True/>
          <Node id="1" score="1"><SimplePredicate field="x" operator="lessThan" value="0"/></Node>
          <Node id="2" score="2"><SimplePredicate field="x" operator="greaterOrEqual" value="0"/></Node>
        </Node>
      </TreeModel>`
          .replace(
            '<DataField name="y" optype="categorical" dataType="string"><Value value="no"/><Value value="yes"/></DataField>',
            '<DataField name="y" optype="continuous" dataType="double"/>',
          )
          .replace('<MiningSchema>', '<MiningSchema><MiningField name="y" usageType="target"/>'),
      ),
    );
    expect(dc.score({ x: -1 }).y).toBe(1);
    expect(dc.score({}).y).toBe(2);
  });

  it('CompoundPredicate: and, or, xor and surrogate with three-valued logic', () => {
    const compound = (op: string) =>
      compileText(
        pmmlDoc(`<DataDictionary><DataField name="x" optype="continuous" dataType="double"/><DataField name="z" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
        <TreeModel functionName="regression" missingValueStrategy="nullPrediction" noTrueChildStrategy="returnLastPrediction">
          <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="z"/></MiningSchema>
          <Node score="0"><True/>
            <Node score="1"><CompoundPredicate booleanOperator="${op}">
              <SimplePredicate field="x" operator="greaterThan" value="0"/>
              <SimplePredicate field="z" operator="greaterThan" value="0"/>
            </CompoundPredicate></Node>
          </Node>
        </TreeModel>`),
      );
    const y = (op: string, r: Record<string, unknown>) => compound(op).score(r).y;
    expect(y('and', { x: 1, z: 1 })).toBe(1);
    expect(y('and', { x: 1, z: -1 })).toBe(0);
    expect(y('and', { x: -1 })).toBe(0); // false and unknown = false
    expect(y('and', { x: 1 })).toBeNull(); // true and unknown = unknown → nullPrediction
    expect(y('or', { x: 1 })).toBe(1); // true or unknown = true
    expect(y('or', { x: -1 })).toBeNull();
    expect(y('xor', { x: 1, z: -1 })).toBe(1);
    expect(y('xor', { x: 1, z: 1 })).toBe(0);
    expect(y('surrogate', { z: 1 })).toBe(1); // x unknown: z decides
    expect(y('surrogate', { x: -1, z: 1 })).toBe(0);
  });

  it('compares float fields in float32, as the exported float32 model does', () => {
    const m = compileText(
      pmmlDoc(`<DataDictionary><DataField name="x" optype="continuous" dataType="float"/><DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
      <TreeModel functionName="regression">
        <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>
        <Node score="0"><True/>
          <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="0.1"/></Node>
          <Node score="2"><True/></Node>
        </Node>
      </TreeModel>`),
    );
    // 0.10000000149 is above 0.1 as a double, but the same float32 as 0.1.
    expect(m.score({ x: 0.10000000149 }).y).toBe(1);
    expect(m.score({ x: 0.1000001 }).y).toBe(2);
  });

  it('refuses strategies it does not implement, naming them', () => {
    expect(() => tree('missingValueStrategy="weightedConfidence"')).toThrow(/weightedConfidence/);
    expect(() => tree('missingValueStrategy="aggregateNodes"')).toThrow(/aggregateNodes/);
  });
});
