import { describe, expect, it } from 'vitest';
import { stdNormalCdf } from './special-functions.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

const DD = (target: string) => `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="z" optype="continuous" dataType="double"/>
  ${target}
</DataDictionary>`;
const MS =
  '<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="z"/></MiningSchema>';

function classifier(method: string, tables: string) {
  return compileText(
    pmmlDoc(`${DD('<DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/><Value value="c"/></DataField>')}
    <RegressionModel functionName="classification" normalizationMethod="${method}">${MS}${tables}</RegressionModel>`),
  );
}

const THREE = `
  <RegressionTable intercept="0.5" targetCategory="a"><NumericPredictor name="x" coefficient="1"/></RegressionTable>
  <RegressionTable intercept="-0.5" targetCategory="b"><NumericPredictor name="z" coefficient="2"/></RegressionTable>
  <RegressionTable intercept="0.25" targetCategory="c"/>`;

describe('RegressionModel', () => {
  it('regression: intercept, numeric predictors with exponents, categorical and interaction terms', () => {
    const m = compileText(
      pmmlDoc(`<DataDictionary>
        <DataField name="x" optype="continuous" dataType="double"/><DataField name="z" optype="continuous" dataType="double"/>
        <DataField name="s" optype="categorical" dataType="string"><Value value="p"/><Value value="q"/></DataField>
        <DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
      <RegressionModel functionName="regression">
        <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="z"/><MiningField name="s"/></MiningSchema>
        <RegressionTable intercept="1">
          <NumericPredictor name="x" coefficient="2" exponent="2"/>
          <CategoricalPredictor name="s" value="q" coefficient="10"/>
          <PredictorTerm coefficient="0.5"><FieldRef field="x"/><FieldRef field="z"/></PredictorTerm>
        </RegressionTable>
      </RegressionModel>`),
    );
    // 1 + 2·3² + 10 + 0.5·3·4
    expect(m.score({ x: 3, z: 4, s: 'q' }).y).toBe(35);
    expect(m.score({ x: 3, z: 4, s: 'p' }).y).toBe(25);
    expect(m.score({ z: 4, s: 'p' }).y).toBeNull();
    // A missing category is ignored (JPMML-Evaluator answers the same; Spark's StringIndexer
    // with handleInvalid="keep", exported by JPMML-SparkML, relies on it).
    expect(m.score({ x: 3, z: 4 }).y).toBe(25);
  });

  it('regression with a link: logit, exp, probit', () => {
    const reg = (method: string) =>
      compileText(
        pmmlDoc(`${DD('<DataField name="y" optype="continuous" dataType="double"/>')}
        <RegressionModel functionName="regression" normalizationMethod="${method}">${MS}
          <RegressionTable intercept="0.3"><NumericPredictor name="x" coefficient="1"/></RegressionTable>
        </RegressionModel>`),
      ).score({ x: 0.2, z: 0 }).y as number;
    expect(reg('logit')).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 15);
    expect(reg('exp')).toBeCloseTo(Math.exp(0.5), 15);
    expect(reg('probit')).toBeCloseTo(0.6914624612740131, 15);
  });

  it('softmax and simplemax normalise over every category', () => {
    const r = { x: 1, z: 0.5 };
    const y = [1.5, 0.5, 0.25];
    const e = y.map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    const soft = classifier('softmax', THREE).score(r);
    expect(soft.y).toBe('a');
    expect(soft['probability(a)']).toBeCloseTo(e[0]! / s, 15);
    expect(soft['probability(c)']).toBeCloseTo(e[2]! / s, 15);
    const simple = classifier('simplemax', THREE).score(r);
    expect(simple['probability(b)']).toBeCloseTo(0.5 / 2.25, 15);
  });

  it('link normalisations map the first n-1 scores and give the last category the rest', () => {
    const r = { x: -0.2, z: 0.1 }; // scores a = 0.3, b = -0.3
    const check = (method: string, f: (v: number) => number) => {
      const p = classifier(method, THREE).score(r);
      expect(p['probability(a)'], method).toBeCloseTo(f(0.3), 15);
      expect(p['probability(b)'], method).toBeCloseTo(f(-0.3), 15);
      expect(p['probability(c)'], method).toBeCloseTo(1 - f(0.3) - f(-0.3), 15);
    };
    check('logit', (v) => 1 / (1 + Math.exp(-v)));
    check('probit', stdNormalCdf);
    check('cloglog', (v) => 1 - Math.exp(-Math.exp(v)));
    check('loglog', (v) => Math.exp(-Math.exp(-v)));
    check('cauchit', (v) => 0.5 + Math.atan(v) / Math.PI);
  });

  it('answers no prediction for a missing input, and refuses an unknown normalisation', () => {
    expect(classifier('softmax', THREE).score({ x: 1 })).toEqual({
      y: null,
      'probability(a)': null,
      'probability(b)': null,
      'probability(c)': null,
    });
    expect(() => classifier('tanh', THREE)).toThrow(/normalizationMethod="tanh"/);
  });
});
