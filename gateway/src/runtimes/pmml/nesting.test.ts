import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { MAX_LIMITS } from './pmml-config.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

// Documents whose computations nest deeply, spread out or stacked up. Each must either compile
// and score within the limits, or be refused with a 422 naming config.maxDepth; never overflow
// the call stack, at compile time or for a record.

const FIELDS = `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>`;
const MINING = `<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>`;

const regression = (predictors: string) =>
  `<RegressionModel functionName="regression">${MINING}<RegressionTable intercept="0">${predictors}</RegressionTable></RegressionModel>`;

/** `d0 = x`, then `d<i> = d<i-1> + 1`: each link is three levels of computation. */
function chain(links: number): string {
  let fields = `<DerivedField name="d0" optype="continuous" dataType="double"><FieldRef field="x"/></DerivedField>`;
  for (let i = 1; i <= links; i++)
    fields += `<DerivedField name="d${i}" optype="continuous" dataType="double"><Apply function="+"><FieldRef field="d${i - 1}"/><Constant>1</Constant></Apply></DerivedField>`;
  return `<TransformationDictionary>${fields}</TransformationDictionary>`;
}

function refusal(doc: string, limits = MAX_LIMITS): SlipwayError {
  try {
    compileText(doc, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(SlipwayError);
    expect((e as SlipwayError).status).toBe(422);
    expect((e as SlipwayError).message).toMatch(/config\.maxDepth/);
    return e as SlipwayError;
  }
  throw new Error('expected a 422');
}

describe('PMML computation depth', () => {
  it('refuses a long chain of derived fields rather than recursing through it', () => {
    const doc = pmmlDoc(
      `${FIELDS}${chain(5000)}${regression('<NumericPredictor name="d5000" coefficient="1"/>')}`,
    );
    expect(refusal(doc).message).toMatch(/more than 500 levels deep/);
  });

  it('refuses a chain compiled link by link that one record would still call through', () => {
    // Each predictor compiles one more link on top of the ones already compiled, so the
    // compiler never recurses far; scoring d5000 would.
    let predictors = '';
    for (let i = 0; i <= 5000; i++)
      predictors += `<NumericPredictor name="d${i}" coefficient="1"/>`;
    refusal(pmmlDoc(`${FIELDS}${chain(5000)}${regression(predictors)}`));
  });

  it('refuses a chain of functions each calling the one before', () => {
    let functions = `<DefineFunction name="f0" optype="continuous" dataType="double"><ParameterField name="a"/><FieldRef field="a"/></DefineFunction>`;
    for (let i = 1; i <= 3000; i++)
      functions += `<DefineFunction name="f${i}" optype="continuous" dataType="double"><ParameterField name="a"/><Apply function="f${i - 1}"><FieldRef field="a"/></Apply></DefineFunction>`;
    const doc = pmmlDoc(`${FIELDS}<TransformationDictionary>${functions}
      <DerivedField name="d" optype="continuous" dataType="double"><Apply function="f3000"><FieldRef field="x"/></Apply></DerivedField>
      </TransformationDictionary>${regression('<NumericPredictor name="d" coefficient="1"/>')}`);
    refusal(doc);
  });

  it('holds chains to the default limit unless config.maxDepth raises it', () => {
    // 3 levels a link, 3 for d0: 66 links nest 201 levels, 65 links 198.
    const doc = (links: number) =>
      pmmlDoc(
        `${FIELDS}${chain(links)}${regression(`<NumericPredictor name="d${links}" coefficient="1"/>`)}`,
      );
    expect(refusal(doc(66), { ...MAX_LIMITS, maxDepth: 200 }).message).toMatch(
      /limit is config\.maxDepth/,
    );
    expect(compileText(doc(65)).score({ x: 1 }).y).toBe(66);
  });

  describe('compiles and scores on this thread what the largest limits allow', () => {
    const limits = MAX_LIMITS;
    const depth = limits.maxDepth;

    it('expressions nested as deep as elements may be', () => {
      // PMML > TransformationDictionary > DerivedField > Apply × k > FieldRef
      const k = depth - 3;
      const doc = pmmlDoc(
        `${FIELDS}<TransformationDictionary><DerivedField name="d" optype="continuous" dataType="double">${'<Apply function="+">'.repeat(k)}<FieldRef field="x"/>${'<Constant>1</Constant></Apply>'.repeat(k)}</DerivedField></TransformationDictionary>${regression('<NumericPredictor name="d" coefficient="1"/>')}`,
      );
      expect(compileText(doc, limits).score({ x: 1 }).y).toBe(k + 1);
    });

    it('a chain of derived fields just within the limit', () => {
      const links = Math.floor((depth - 3) / 3);
      const doc = pmmlDoc(
        `${FIELDS}${chain(links)}${regression(`<NumericPredictor name="d${links}" coefficient="1"/>`)}`,
      );
      expect(compileText(doc, limits).score({ x: 1 }).y).toBe(links + 1);
    });

    it('compound predicates nested as deep as elements may be', () => {
      // PMML > TreeModel > Node > Node > CompoundPredicate × k > SimplePredicate
      const k = depth - 4;
      const doc = pmmlDoc(
        `${FIELDS}<TreeModel functionName="regression">${MINING}<Node score="0"><True/><Node score="1">${'<CompoundPredicate booleanOperator="and"><True/>'.repeat(k)}<SimplePredicate field="x" operator="greaterThan" value="0"/>${'</CompoundPredicate>'.repeat(k)}</Node></Node></TreeModel>`,
      );
      const model = compileText(doc, limits);
      expect(model.score({ x: 1 }).y).toBe(1);
      expect(model.score({ x: -1 }).y).toBe(null);
    });

    it('segmentations nested as deep as elements may be', () => {
      // (MiningModel > Segmentation > Segment) × k > RegressionModel > RegressionTable > NumericPredictor
      const k = Math.floor((depth - 3) / 3);
      const open = `<MiningModel functionName="regression">${MINING}<Segmentation multipleModelMethod="sum"><Segment><True/>`;
      const doc = pmmlDoc(
        `${FIELDS}${open.repeat(k)}${regression('<NumericPredictor name="x" coefficient="2"/>')}${'</Segment></Segmentation></MiningModel>'.repeat(k)}`,
      );
      expect(compileText(doc, limits).score({ x: 1 }).y).toBe(2);
    });

    it('a tree as deep as elements may be, its deepest test reading the longest chain', () => {
      // PMML > TreeModel > Node × k > SimplePredicate, the predicate compiling the whole chain.
      const k = depth - 2;
      const links = Math.floor((depth - 3) / 3);
      const nodes = Array.from(
        { length: k },
        (_, i) =>
          `<Node score="${i}">${i === k - 1 ? `<SimplePredicate field="d${links}" operator="greaterThan" value="0"/>` : '<True/>'}`,
      ).join('');
      const doc = pmmlDoc(
        `${FIELDS}${chain(links)}<TreeModel functionName="regression" noTrueChildStrategy="returnLastPrediction">${MINING}${nodes}${'</Node>'.repeat(k)}</TreeModel>`,
      );
      const model = compileText(doc, limits);
      expect(model.score({ x: 1 }).y).toBe(k - 1);
      expect(model.score({ x: -1000 }).y).toBe(k - 2);
    });
  });
});
