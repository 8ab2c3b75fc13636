import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

// What the rule sets answer is pinned by the conformance fixtures (hand_ruleset_*, s2p_ruleset,
// answered by JPMML-Evaluator); these are the documents Slipway refuses at publish because the
// reference evaluator can fail on them, or because what they would answer is not pinned.

const DD = (targetType = 'string') => `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="y" optype="categorical" dataType="${targetType}"><Value value="1"/><Value value="2"/></DataField>
</DataDictionary>`;
const MS =
  '<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>';
const RULES = `<RuleSelectionMethod criterion="firstHit"/>
  <SimpleRule score="2"><SimplePredicate field="x" operator="greaterThan" value="0"/></SimpleRule>`;
const ruleSet = (attrs = 'defaultScore="1" defaultConfidence="0.5"', rules = RULES) =>
  `<RuleSetModel functionName="classification">${MS}<RuleSet ${attrs}>${rules}</RuleSet></RuleSetModel>`;

function refusal(body: string): string {
  try {
    compileText(pmmlDoc(body));
  } catch (err) {
    expect(err).toBeInstanceOf(SlipwayError);
    expect((err as SlipwayError).status).toBe(422);
    return (err as SlipwayError).message;
  }
  throw new Error('expected a 422');
}

describe('RuleSetModel', () => {
  it('answers the target only, without probabilities, when it has no Output', () => {
    const m = compileText(pmmlDoc(`${DD()}${ruleSet()}`));
    expect(m.score({ x: 1 })).toEqual({ y: '2' });
    expect(m.score({ x: -1 })).toEqual({ y: '1' });
    expect(m.score({ x: null })).toEqual({ y: '1' });
  });

  it('is refused without defaultScore or defaultConfidence (JPMML fails when no rule fires)', () => {
    expect(refusal(`${DD()}${ruleSet('defaultScore="1"')}`)).toMatch(/defaultConfidence.*line \d+/);
  });

  it('is refused with a criterion outside firstHit, weightedSum and weightedMax', () => {
    const rules = RULES.replace('firstHit', 'mostRecent');
    expect(refusal(`${DD()}${ruleSet(undefined, rules)}`)).toMatch(/criterion="mostRecent"/);
  });

  it('is refused with a target that is not a string (confidences are keyed by text)', () => {
    expect(refusal(`${DD('integer')}${ruleSet()}`)).toMatch(/integer target/);
  });

  it('is refused inside a Segment', () => {
    const mining = `<MiningModel functionName="classification">${MS}
      <Segmentation multipleModelMethod="selectFirst">
        <Segment><True/>${ruleSet()}</Segment>
      </Segmentation></MiningModel>`;
    expect(refusal(`${DD()}${mining}`)).toMatch(/RuleSetModel in a Segment/);
  });

  it('is refused when two SimpleRules share an id', () => {
    const rules = `${RULES.replace('<SimpleRule ', '<SimpleRule id="r" ')}
      <SimpleRule id="r" score="1"><True/></SimpleRule>`;
    expect(refusal(`${DD()}${ruleSet(undefined, rules)}`)).toMatch(/id "r"/);
  });
});
