import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

const XY = (target: string) => `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="z" optype="continuous" dataType="double"/>
  ${target}</DataDictionary>`;
const DOUBLE_Y = '<DataField name="y" optype="continuous" dataType="double"/>';
const AB_Y =
  '<DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/><Value value="c"/></DataField>';
const MS =
  '<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="z"/></MiningSchema>';

describe('Scorecard', () => {
  const card = compileText(
    pmmlDoc(`${XY(DOUBLE_Y)}
    <Scorecard functionName="regression" initialScore="100" useReasonCodes="true" reasonCodeAlgorithm="pointsBelow">
      ${MS}
      <Output>
        <OutputField name="score" feature="predictedValue" dataType="double"/>
        <OutputField name="reason1" feature="reasonCode" rank="1" dataType="string"/>
        <OutputField name="reason2" feature="reasonCode" rank="2" dataType="string"/>
      </Output>
      <Characteristics>
        <Characteristic name="xc" reasonCode="RX" baselineScore="20">
          <Attribute partialScore="5"><SimplePredicate field="x" operator="lessThan" value="0"/></Attribute>
          <Attribute partialScore="30"><True/></Attribute>
        </Characteristic>
        <Characteristic name="zc" reasonCode="RZ" baselineScore="10">
          <Attribute partialScore="2"><SimplePredicate field="z" operator="lessThan" value="0"/></Attribute>
          <Attribute reasonCode="RZ2"><True/><ComplexPartialScore><Apply function="*"><FieldRef field="z"/><Constant>2</Constant></Apply></ComplexPartialScore></Attribute>
        </Characteristic>
      </Characteristics>
    </Scorecard>`),
  );
  it('adds the partial scores of the first matching attributes, and ranks reason codes', () => {
    // x: 5 (15 below baseline 20); z: 2 (8 below 10)
    expect(card.score({ x: -1, z: -1 })).toEqual({ score: 107, reason1: 'RX', reason2: 'RZ' });
    // x: 30 (above its baseline: no reason); z: 2·3 = 6 (4 below 10, code RZ2)
    expect(card.score({ x: 1, z: 3 })).toEqual({ score: 136, reason1: 'RZ2', reason2: null });
  });
});

describe('ClusteringModel', () => {
  const clusters = (measure: string) =>
    compileText(
      pmmlDoc(`<DataDictionary><DataField name="x" optype="continuous" dataType="double"/><DataField name="z" optype="continuous" dataType="double"/></DataDictionary>
      <ClusteringModel functionName="clustering" modelClass="centerBased" numberOfClusters="2">
        <MiningSchema><MiningField name="x" missingValueTreatment="asIs"/><MiningField name="z" missingValueTreatment="asIs"/></MiningSchema>
        <Output>
          <OutputField name="cluster" feature="predictedValue" dataType="string"/>
          <OutputField name="name" feature="predictedDisplayValue" dataType="string"/>
          <OutputField name="index" feature="clusterId" dataType="integer"/>
          <OutputField name="d_near" feature="affinity" value="near" dataType="double"/>
          <OutputField name="d_far" feature="affinity" value="far" dataType="double"/>
        </Output>
        <ComparisonMeasure kind="distance"><${measure}/></ComparisonMeasure>
        <ClusteringField field="x"/><ClusteringField field="z" fieldWeight="2"/>
        <Cluster id="near" name="Near"><Array type="real">0 0</Array></Cluster>
        <Cluster id="far" name="Far"><Array type="real">10 10</Array></Cluster>
      </ClusteringModel>`),
    );
  it('assigns the nearest centre and answers distances as affinities', () => {
    expect(clusters('euclidean').score({ x: 3, z: 4 })).toEqual({
      cluster: 'near',
      name: 'Near',
      index: 1,
      d_near: Math.sqrt(9 + 2 * 16),
      d_far: Math.sqrt(49 + 2 * 36),
    });
    expect(clusters('cityBlock').score({ x: 9, z: 9 })).toMatchObject({
      cluster: 'far',
      index: 2,
      d_far: 1 + 2,
    });
    expect(clusters('chebychev').score({ x: 1, z: 3 })).toMatchObject({ d_near: 6 });
  });
  it('scales the sum by the share of fields left when a field is missing', () => {
    // Only x: (3−0)² · 2/1 (the missing-value weights are 1 each, whatever the field weights,
    // as JPMML-Evaluator computes: hand_cluster_missing_cityblock)
    expect(clusters('squaredEuclidean').score({ x: 3 })).toMatchObject({
      cluster: 'near',
      d_near: 18,
    });
  });
});

describe('SupportVectorMachineModel', () => {
  const svm = (attrs: string, machines: string, kernel = '<LinearKernelType/>', repr = '') =>
    compileText(
      pmmlDoc(`${XY(AB_Y)}
      <SupportVectorMachineModel functionName="classification" ${attrs} ${repr}>
        ${MS}${kernel}
        <VectorDictionary>
          <VectorFields><FieldRef field="x"/><FieldRef field="z"/></VectorFields>
          <VectorInstance id="v1"><Array type="real">1 0</Array></VectorInstance>
          <VectorInstance id="v2"><REAL-SparseArray n="2"><Indices>2</Indices><REAL-Entries>1</REAL-Entries></REAL-SparseArray></VectorInstance>
        </VectorDictionary>
        ${machines}
      </SupportVectorMachineModel>`),
    );
  const machine = (t: string, alt: string, c1: number, c2: number, b: number) => `
    <SupportVectorMachine targetCategory="${t}" ${alt ? `alternateTargetCategory="${alt}"` : ''}>
      <SupportVectors vectorsNumber="2"><SupportVector vectorId="v1"/><SupportVector vectorId="v2"/></SupportVectors>
      <Coefficients absoluteValue="${b}"><Coefficient value="${c1}"/><Coefficient value="${c2}"/></Coefficients>
    </SupportVectorMachine>`;

  it('binary: below the threshold picks targetCategory', () => {
    // f = x − 0.5
    const m = svm('classificationMethod="OneAgainstOne"', machine('a', 'b', 1, 0, -0.5));
    expect(m.score({ x: 0, z: 0 }).y).toBe('a');
    expect(m.score({ x: 1, z: 0 }).y).toBe('b');
  });

  it('the Coefficients representation weighs the fields directly (a linear machine)', () => {
    // f = 2·x − z − 0.5
    const m = svm(
      'classificationMethod="OneAgainstOne"',
      machine('a', 'b', 2, -1, -0.5),
      // Ignored by this representation; through the support vectors it would answer 'a' twice.
      '<RadialBasisKernelType gamma="1"/>',
      'svmRepresentation="Coefficients"',
    );
    expect(m.score({ x: 0.5, z: 1 }).y).toBe('a'); // −0.5
    expect(m.score({ x: 1, z: 1 }).y).toBe('b'); // 0.5
  });

  it('one-against-all: the lowest value wins, the highest with maxWins', () => {
    const machines =
      machine('a', '', 1, 0, 0) + machine('b', '', 0, 1, 0) + machine('c', '', -1, -1, 0);
    expect(svm('classificationMethod="OneAgainstAll"', machines).score({ x: 2, z: 1 }).y).toBe('c');
    expect(
      svm('classificationMethod="OneAgainstAll" maxWins="true"', machines).score({ x: 2, z: 1 }).y,
    ).toBe('a');
  });

  it('kernels: polynomial and sigmoid', () => {
    // f = (γ·x·1 + c0)^d with v1 only
    const poly = svm(
      'classificationMethod="OneAgainstOne" threshold="10"',
      machine('a', 'b', 1, 0, 0),
      '<PolynomialKernelType gamma="2" coef0="1" degree="2"/>',
    );
    expect(poly.score({ x: 1, z: 0 }).y).toBe('a'); // (2+1)² = 9 < 10
    expect(poly.score({ x: 2, z: 0 }).y).toBe('b'); // 25
    const sig = svm(
      'classificationMethod="OneAgainstOne" threshold="0.5"',
      machine('a', 'b', 1, 0, 0),
      '<SigmoidKernelType gamma="1" coef0="0"/>',
    );
    expect(sig.score({ x: 0.5, z: 0 }).y).toBe('a'); // tanh(0.5) = 0.46
    expect(sig.score({ x: 0.6, z: 0 }).y).toBe('b'); // tanh(0.6) = 0.54
  });
});

describe('NeuralNetwork', () => {
  it('runs layers with their activation and maps the output neuron back through NormContinuous', () => {
    const m = compileText(
      pmmlDoc(`${XY(DOUBLE_Y)}
      <NeuralNetwork functionName="regression" activationFunction="logistic">${MS}
        <NeuralInputs>
          <NeuralInput id="i1"><DerivedField optype="continuous" dataType="double"><FieldRef field="x"/></DerivedField></NeuralInput>
          <NeuralInput id="i2"><DerivedField optype="continuous" dataType="double"><FieldRef field="z"/></DerivedField></NeuralInput>
        </NeuralInputs>
        <NeuralLayer><Neuron id="h" bias="0.5"><Con from="i1" weight="2"/><Con from="i2" weight="-1"/></Neuron></NeuralLayer>
        <NeuralLayer activationFunction="identity"><Neuron id="o" bias="0.1"><Con from="h" weight="3"/></Neuron></NeuralLayer>
        <NeuralOutputs><NeuralOutput outputNeuron="o"><DerivedField optype="continuous" dataType="double">
          <NormContinuous field="y"><LinearNorm orig="0" norm="0"/><LinearNorm orig="100" norm="1"/></NormContinuous>
        </DerivedField></NeuralOutput></NeuralOutputs>
      </NeuralNetwork>`),
    );
    const h = 1 / (1 + Math.exp(-(0.5 + 2 * 1 - 1 * 2)));
    expect(m.score({ x: 1, z: 2 }).y).toBeCloseTo((0.1 + 3 * h) * 100, 12);
    expect(m.score({ x: 1 }).y).toBeNull();
  });

  it('refuses radialBasis activation', () => {
    expect(() =>
      compileText(
        pmmlDoc(`${XY(DOUBLE_Y)}<NeuralNetwork functionName="regression" activationFunction="radialBasis">${MS}
        <NeuralInputs/><NeuralLayer/><NeuralOutputs/></NeuralNetwork>`),
      ),
    ).toThrow(/radialBasis/);
  });
});

describe('NaiveBayesModel', () => {
  it('multiplies class counts by pair-count likelihoods, with the threshold for a zero count', () => {
    const m = compileText(
      pmmlDoc(`<DataDictionary>
        <DataField name="s" optype="categorical" dataType="string"><Value value="p"/><Value value="q"/></DataField>
        <DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
      </DataDictionary>
      <NaiveBayesModel functionName="classification" threshold="0.01">
        <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="s" missingValueTreatment="asIs"/></MiningSchema>
        <BayesInputs><BayesInput fieldName="s">
          <PairCounts value="p"><TargetValueCounts><TargetValueCount value="a" count="3"/><TargetValueCount value="b" count="0"/></TargetValueCounts></PairCounts>
          <PairCounts value="q"><TargetValueCounts><TargetValueCount value="a" count="1"/><TargetValueCount value="b" count="4"/></TargetValueCounts></PairCounts>
        </BayesInput></BayesInputs>
        <BayesOutput fieldName="y"><TargetValueCounts><TargetValueCount value="a" count="4"/><TargetValueCount value="b" count="4"/></TargetValueCounts></BayesOutput>
      </NaiveBayesModel>`),
    );
    // q: a 4·(1/4), b 4·(4/4)
    const q = m.score({ s: 'q' });
    expect(q.y).toBe('b');
    expect(q['probability(a)']).toBeCloseTo(1 / 5, 15);
    // p: a 4·(3/4), b 4·0.01 (threshold)
    expect(m.score({ s: 'p' })['probability(b)']).toBeCloseTo(0.04 / 3.04, 15);
    // missing: the priors
    expect(m.score({})['probability(a)']).toBeCloseTo(0.5, 15);
  });
});

describe('GeneralRegressionModel', () => {
  const DD = `<DataDictionary>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="g" optype="categorical" dataType="string"><Value value="m"/><Value value="f"/></DataField>
    %TARGET%
  </DataDictionary>`;
  const design = `
    <ParameterList><Parameter name="p0"/><Parameter name="p1"/><Parameter name="p2"/><Parameter name="p3"/></ParameterList>
    <FactorList><Predictor name="g"/></FactorList>
    <CovariateList><Predictor name="x"/></CovariateList>
    <PPMatrix>
      <PPCell value="f" predictorName="g" parameterName="p1"/>
      <PPCell value="1" predictorName="x" parameterName="p2"/>
      <PPCell value="2" predictorName="x" parameterName="p3"/>
      <PPCell value="f" predictorName="g" parameterName="p3"/>
    </PPMatrix>`;
  const ms = (t: string) =>
    `<MiningSchema><MiningField name="${t}" usageType="target"/><MiningField name="x"/><MiningField name="g"/></MiningSchema>`;

  it('generalizedLinear: inverse link of the design times the coefficients, plus the offset', () => {
    const m = compileText(
      pmmlDoc(`${DD.replace('%TARGET%', '<DataField name="y" optype="continuous" dataType="double"/>')}
      <GeneralRegressionModel functionName="regression" modelType="generalizedLinear" linkFunction="log" offsetValue="0.1">
        ${ms('y')}${design}
        <ParamMatrix>
          <PCell parameterName="p0" beta="0.5"/><PCell parameterName="p1" beta="-0.2"/>
          <PCell parameterName="p2" beta="0.3"/><PCell parameterName="p3" beta="0.01"/>
        </ParamMatrix>
      </GeneralRegressionModel>`),
    );
    // η = 0.5 − 0.2·[g=f] + 0.3·x + 0.01·x²·[g=f] + 0.1
    expect(m.score({ x: 2, g: 'f' }).y).toBeCloseTo(Math.exp(0.5 - 0.2 + 0.6 + 0.04 + 0.1), 14);
    expect(m.score({ x: 2, g: 'm' }).y).toBeCloseTo(Math.exp(0.5 + 0.6 + 0.1), 14);
    expect(m.score({ g: 'm' }).y).toBeNull();
  });

  it('multinomialLogistic: softmax against the reference category', () => {
    const m = compileText(
      pmmlDoc(`${DD.replace('%TARGET%', '<DataField name="k" optype="categorical" dataType="string"><Value value="u"/><Value value="v"/><Value value="w"/></DataField>')}
      <GeneralRegressionModel functionName="classification" modelType="multinomialLogistic" targetReferenceCategory="w">
        ${ms('k')}${design}
        <ParamMatrix>
          <PCell targetCategory="u" parameterName="p0" beta="1"/><PCell targetCategory="u" parameterName="p2" beta="0.5"/>
          <PCell targetCategory="v" parameterName="p0" beta="-1"/><PCell targetCategory="v" parameterName="p1" beta="2"/>
        </ParamMatrix>
      </GeneralRegressionModel>`),
    );
    const p = m.score({ x: 1, g: 'f' });
    const e = [Math.exp(1.5), Math.exp(1), 1];
    const s = e[0]! + e[1]! + e[2]!;
    expect(p.k).toBe('u');
    expect(p['probability(u)']).toBeCloseTo(e[0]! / s, 15);
    expect(p['probability(w)']).toBeCloseTo(1 / s, 15);
  });
});

describe('unsupported content is a 422 naming the element', () => {
  const refused = (body: string): string => {
    try {
      compileText(pmmlDoc(body));
    } catch (e) {
      expect(e).toBeInstanceOf(SlipwayError);
      expect((e as SlipwayError).status).toBe(422);
      return (e as SlipwayError).message;
    }
    throw new Error('expected a 422');
  };
  it.each([
    [
      'CoxRegression',
      `${XY(DOUBLE_Y)}<GeneralRegressionModel functionName="regression" modelType="CoxRegression">${MS}</GeneralRegressionModel>`,
    ],
    [
      'AssociationModel',
      `${XY(DOUBLE_Y)}<AssociationModel functionName="associationRules">${MS}</AssociationModel>`,
    ],
    [
      'TimeSeriesModel',
      `${XY(DOUBLE_Y)}<TimeSeriesModel functionName="timeSeries">${MS}</TimeSeriesModel>`,
    ],
    [
      'Decisions',
      `${XY(DOUBLE_Y)}<RegressionModel functionName="regression">${MS}<Decisions/><RegressionTable intercept="0"/></RegressionModel>`,
    ],
    [
      'standardError',
      `${XY(DOUBLE_Y)}<RegressionModel functionName="regression">${MS}<Output><OutputField name="e" feature="standardError"/></Output><RegressionTable intercept="0"/></RegressionModel>`,
    ],
    [
      'dateDaysSinceYear',
      `${XY('<DataField name="y" optype="continuous" dataType="dateDaysSinceYear"/>')}<RegressionModel functionName="regression">${MS}<RegressionTable intercept="0"/></RegressionModel>`,
    ],
    [
      'usageType="analysisWeight"',
      `${XY(DOUBLE_Y)}<RegressionModel functionName="regression"><MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x" usageType="analysisWeight"/></MiningSchema><RegressionTable intercept="0"/></RegressionModel>`,
    ],
    [
      '"nope"',
      `${XY(DOUBLE_Y)}<RegressionModel functionName="regression">${MS}<RegressionTable intercept="0"><NumericPredictor name="nope" coefficient="1"/></RegressionTable></RegressionModel>`,
    ],
    ['holds no model', `${XY(DOUBLE_Y)}`],
  ])('%s', (name, body) => {
    expect(refused(body)).toContain(name);
  });
});
