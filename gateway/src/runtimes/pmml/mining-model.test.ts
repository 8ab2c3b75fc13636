import { describe, expect, it } from 'vitest';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

const REG_DD = `<DataDictionary><DataField name="x" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" dataType="double"/></DataDictionary>`;

/** A regression segment answering intercept + slope·x (without x at all when the slope is 0). */
const line = (id: string, intercept: number, slope = 0, weight = 1, predicate = '<True/>') => `
  <Segment id="${id}" weight="${weight}">${predicate}
    <RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema>
      <RegressionTable intercept="${intercept}">${slope ? `<NumericPredictor name="x" coefficient="${slope}"/>` : ''}</RegressionTable>
    </RegressionModel>
  </Segment>`;

function ensemble(method: string, segments: string, extra = '', targets = '') {
  return compileText(
    pmmlDoc(`${REG_DD}<MiningModel functionName="regression">
      <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>${targets}
      <Segmentation multipleModelMethod="${method}" ${extra}>${segments}</Segmentation>
    </MiningModel>`),
  );
}

const THREE = line('1', 1) + line('2', 2, 0, 3) + line('3', 6);

describe('MiningModel regression ensembles', () => {
  it.each([
    ['sum', 9],
    ['average', 3],
    ['weightedAverage', (1 + 6 + 6) / 5],
    ['weightedSum', 13],
    ['median', 2],
    ['max', 6],
    ['selectFirst', 1],
  ])('%s', (method, want) => {
    expect(ensemble(method, THREE).score({ x: 0 }).y).toBeCloseTo(want, 15);
  });

  it('uses only the segments whose predicate is true', () => {
    const segs =
      line('1', 1, 0, 1, '<SimplePredicate field="x" operator="lessThan" value="0"/>') +
      line('2', 2, 0, 1, '<SimplePredicate field="x" operator="greaterOrEqual" value="0"/>');
    expect(ensemble('selectFirst', segs).score({ x: -1 }).y).toBe(1);
    expect(ensemble('selectFirst', segs).score({ x: 1 }).y).toBe(2);
  });

  it('returns missing when a segment is missing, or skips it with skipSegment', () => {
    const withX = line('1', 1, 1) + line('2', 2);
    expect(ensemble('sum', withX).score({}).y).toBeNull();
    expect(ensemble('sum', withX, 'missingPredictionTreatment="skipSegment"').score({}).y).toBe(2);
    expect(
      ensemble(
        'sum',
        withX,
        'missingPredictionTreatment="skipSegment" missingThreshold="0.4"',
      ).score({}).y,
    ).toBeNull();
  });

  it('applies Targets after combining (rescale, clamp, cast)', () => {
    const t = (attrs: string) => `<Targets><Target field="y" ${attrs}/></Targets>`;
    expect(
      ensemble('sum', THREE, '', t('rescaleFactor="0.1" rescaleConstant="100"')).score({ x: 0 }).y,
    ).toBeCloseTo(100.9, 13);
    expect(ensemble('sum', THREE, '', t('max="5"')).score({ x: 0 }).y).toBe(5);
    expect(
      ensemble('sum', THREE, '', t('rescaleFactor="0.25" castInteger="floor"')).score({ x: 0 }).y,
    ).toBe(2);
    expect(
      ensemble('sum', THREE, '', t('rescaleFactor="0.25" castInteger="round"')).score({ x: 0 }).y,
    ).toBe(2);
    expect(
      ensemble('sum', THREE, '', t('rescaleFactor="0.25" castInteger="ceiling"')).score({ x: 0 }).y,
    ).toBe(3);
    const withDefault = `<Targets><Target field="y"><TargetValue defaultValue="42"/></Target></Targets>`;
    expect(ensemble('sum', line('1', 1, 1), '', withDefault).score({}).y).toBe(42);
  });

  it('modelChain passes outputs of earlier segments to later ones', () => {
    const chain = `
      <Segment id="1"><True/>
        <RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema>
          <Output><OutputField name="doubled" feature="predictedValue" dataType="double" isFinalResult="false"/></Output>
          <RegressionTable intercept="0"><NumericPredictor name="x" coefficient="2"/></RegressionTable>
        </RegressionModel>
      </Segment>
      <Segment id="2"><True/>
        <RegressionModel functionName="regression"><MiningSchema><MiningField name="doubled"/></MiningSchema>
          <Output><OutputField name="final" feature="predictedValue" dataType="double"/></Output>
          <RegressionTable intercept="1"><NumericPredictor name="doubled" coefficient="10"/></RegressionTable>
        </RegressionModel>
      </Segment>`;
    const m = ensemble('modelChain', chain);
    // The chain's own target too: a segment's predictedValue output is the segment's answer.
    expect(m.score({ x: 3 })).toEqual({ y: 61, final: 61 });
    expect(m.signature.outputs.map((o) => o.name)).toEqual(['y', 'final']);
  });
});

const CLS_DD = `<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField></DataDictionary>`;

/** A classification segment: a one-node tree with the given distribution of a and b. */
const leaf = (pa: number, weight = 1) => `
  <Segment weight="${weight}"><True/>
    <TreeModel functionName="classification"><MiningSchema><MiningField name="x"/></MiningSchema>
      <Node score="${pa >= 0.5 ? 'a' : 'b'}"><True/>
        <ScoreDistribution value="a" recordCount="${pa}"/><ScoreDistribution value="b" recordCount="${1 - pa}"/>
      </Node>
    </TreeModel>
  </Segment>`;

function vote(method: string, segments: string) {
  return compileText(
    pmmlDoc(`${CLS_DD}<MiningModel functionName="classification">
      <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>
      <Segmentation multipleModelMethod="${method}">${segments}</Segmentation>
    </MiningModel>`),
  ).score({ x: 0 });
}

describe('MiningModel classification ensembles', () => {
  const segs = leaf(0.9) + leaf(0.4) + leaf(0.2, 5);
  it('average and weightedAverage average the probabilities', () => {
    const avg = vote('average', leaf(0.9) + leaf(0.4) + leaf(0.3));
    expect(avg.y).toBe('a');
    expect(avg['probability(a)']).toBeCloseTo(1.6 / 3, 15);
    expect(avg['probability(b)']).toBeCloseTo(1.4 / 3, 15);
    const wa = vote('weightedAverage', segs);
    expect(wa['probability(a)']).toBeCloseTo((0.9 + 0.4 + 5 * 0.2) / 7, 15);
    expect(wa.y).toBe('b');
  });

  it('majorityVote and weightedMajorityVote count the predicted labels', () => {
    expect(vote('majorityVote', segs)).toEqual({
      y: 'b',
      'probability(a)': 1 / 3,
      'probability(b)': 2 / 3,
    });
    expect(vote('weightedMajorityVote', leaf(0.9, 5) + leaf(0.4) + leaf(0.2))).toEqual({
      y: 'a',
      'probability(a)': 5 / 7,
      'probability(b)': 2 / 7,
    });
  });

  it('refuses methods it does not implement for classification, naming them', () => {
    expect(() => vote('max', segs)).toThrow(/multipleModelMethod="max"/);
    expect(() => vote('selectAll', segs)).toThrow(/selectAll/);
  });
});
