import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/failure.js';
import { compileText, loadFixture, pmmlDoc } from './testing/pmml-doc.js';

// The answers the fixtures' records carry come from JPMML-Evaluator 1.7.7 (conformance.test.ts);
// these are the records it fails on: it answers MissingFieldValueException for a prediction
// without the target's value and ValueCheckException for a target value outside its categories
// (asked of it with jpmml_reference.jpmml_score on the same fixtures).

const load = loadFixture;

describe('OutputField feature="residual"', () => {
  it('takes the target as an input of the signature', () => {
    const inputs = load('hand_residual_classification').signature.inputs;
    expect(inputs.map((f) => f.name)).toEqual(['label', 'x']);
    expect(inputs[0]!.values).toEqual(['yes', 'no']);
  });

  it('refuses (400, naming the target) a prediction without the target value', () => {
    for (const [name, record, target] of [
      ['hand_residual_classification', { x: 1 }, 'label'],
      ['hand_residual_regression', { x: 1, z: 1 }, 'y'],
    ] as const) {
      const err = failure(() => load(name).score(record));
      expect(err.status).toBe(400);
      expect(err.field).toBe(target);
    }
  });

  it('answers no residual where there is no prediction, target or not', () => {
    expect(load('hand_residual_classification').score({ x: null })).toEqual({
      predicted: null,
      'probability(yes)': null,
      residual: null,
    });
  });

  it('refuses a target value outside its categories, as an input', () => {
    const err = failure(() => load('hand_residual_classification').score({ x: 1, label: 'maybe' }));
    expect(err.status).toBe(400);
    expect(err.field).toBe('label');
  });

  it('is refused at publish for a model that answers confidences', () => {
    const err = failure(() =>
      compileText(
        pmmlDoc(`<DataDictionary>
          <DataField name="x" optype="continuous" dataType="double"/>
          <DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
        </DataDictionary>
        <RuleSetModel functionName="classification">
          <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>
          <Output><OutputField name="r" feature="residual" dataType="double"/></Output>
          <RuleSet defaultScore="a" defaultConfidence="0.5">
            <RuleSelectionMethod criterion="firstHit"/>
            <SimpleRule score="b"><SimplePredicate field="x" operator="greaterThan" value="0"/></SimpleRule>
          </RuleSet>
        </RuleSetModel>`),
      ),
    );
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/OutputField "r": feature="residual"/);
  });
});
