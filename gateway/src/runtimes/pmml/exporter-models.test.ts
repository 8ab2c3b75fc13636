import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnusableArtifactError } from '../../errors.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

// AnomalyDetectionModel, NearestNeighborModel and AssociationModel: what the conformance
// fixtures (make_pmml_more.py) do not reach — refusals at publish, and the basket's input checks.

const XZ = `<DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="z" optype="continuous" dataType="double"/>
  <DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>`;

const refusal = (xml: string): string => {
  try {
    compileText(pmmlDoc(xml));
  } catch (err) {
    expect(err).toBeInstanceOf(UnusableArtifactError);
    expect((err as UnusableArtifactError).status).toBe(422);
    return (err as Error).message;
  }
  throw new Error('the document was compiled');
};

const knn = (attrs: string, inputs: string, outputs = '', rows = 3) => `${XZ}
  <NearestNeighborModel functionName="regression" numberOfNeighbors="2" ${attrs}>
    <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="z"/></MiningSchema>
    ${outputs}
    <TrainingInstances isTransformed="true">
      <InstanceFields><InstanceField field="y" column="t:y"/><InstanceField field="x" column="t:x"/><InstanceField field="z" column="t:z"/></InstanceFields>
      <InlineTable>${[1, 2, 3, 4]
        .slice(0, rows)
        .map((i) => `<row><t:y>${i * 10}</t:y><t:x>${i}</t:x><t:z>${-i}</t:z></row>`)
        .join('')}</InlineTable>
    </TrainingInstances>
    <ComparisonMeasure kind="distance"><euclidean/></ComparisonMeasure>
    <KNNInputs>${inputs}</KNNInputs>
  </NearestNeighborModel>`;
const INPUTS = '<KNNInput field="x"/><KNNInput field="z"/>';

describe('NearestNeighborModel', () => {
  it('averages the nearest instances and answers their ids by rank', () => {
    const m = compileText(
      pmmlDoc(
        knn(
          '',
          INPUTS,
          '<Output><OutputField name="y" feature="predictedValue"/><OutputField name="n1" feature="entityId"/><OutputField name="n2" feature="entityId" rank="2"/></Output>',
        ),
      ),
    );
    expect(m.score({ x: 2.9, z: -2.9 })).toEqual({ y: 25, n1: '3', n2: '2' });
    // z missing: left out (hand_knn_weighted_missing holds JPMML's answers to such records)
    expect(m.score({ x: 1.8 })).toEqual({ y: 15, n1: '2', n2: '1' });
    expect(m.score({})).toEqual({ y: null, n1: null, n2: null });
  });
  it('refuses what it does not compute as JPMML-Evaluator does', () => {
    expect(refusal(knn('', '<KNNInput field="x" compareFunction="gaussSim"/>'))).toContain(
      'compareFunction="gaussSim"',
    );
    expect(refusal(knn('', INPUTS, '', 1))).toContain('fewer than numberOfNeighbors');
    expect(
      refusal(knn('', INPUTS, '<Output><OutputField name="a" feature="entityAffinity"/></Output>')),
    ).toContain('feature="entityAffinity"');
    expect(
      refusal(
        knn('', INPUTS).replace('<euclidean/>', '<jaccard/>').replace('distance"', 'similarity"'),
      ),
    ).toContain('kind="similarity"');
  });
});

const anomaly = (attrs: string, inner: string) => `${XZ}
  <AnomalyDetectionModel functionName="regression" ${attrs}>
    <MiningSchema><MiningField name="x"/></MiningSchema>
    ${inner}
  </AnomalyDetectionModel>`;
const TREE = `<MiningModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema>
  <Segmentation multipleModelMethod="average"><Segment><True/>
    <TreeModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema>
      <Node score="4"><True/><Node score="2"><SimplePredicate field="x" operator="lessThan" value="0"/></Node><Node score="4"><True/></Node></Node>
    </TreeModel></Segment></Segmentation></MiningModel>`;

describe('AnomalyDetectionModel', () => {
  it('normalises an isolation forest path length by c(sampleDataSize)', () => {
    const m = compileText(pmmlDoc(anomaly('algorithmType="iforest" sampleDataSize="256"', TREE)));
    // c(256) = 2(ln 255 + 0.57721566) − 2·255/256
    const c = 2 * (Math.log(255) + 0.57721566) - (2 * 255) / 256;
    expect(m.score({ x: -1 }).prediction).toBeCloseTo(Math.pow(2, -2 / c), 12);
    expect(m.score({ x: 1 }).prediction).toBeCloseTo(Math.pow(2, -4 / c), 12);
  });
  it('refuses algorithmType="other", a missing sampleDataSize, or a mismatched model', () => {
    expect(refusal(anomaly('algorithmType="other"', TREE))).toContain('algorithmType="other"');
    expect(refusal(anomaly('algorithmType="iforest"', TREE))).toContain('sampleDataSize');
    expect(refusal(anomaly('algorithmType="ocsvm"', TREE))).toContain(
      'must hold one SupportVectorMachineModel',
    );
  });
});

const basket = (
  outputs: string,
  rules = '',
) => `<DataDictionary><DataField name="t" optype="categorical" dataType="string"/><DataField name="item" optype="categorical" dataType="string"/></DataDictionary>
  <AssociationModel functionName="associationRules" numberOfTransactions="2" minimumSupport="0.1" minimumConfidence="0.1" numberOfItems="2" numberOfItemsets="2" numberOfRules="1">
    <MiningSchema><MiningField name="t" usageType="group"/><MiningField name="item"/></MiningSchema>
    <Output>${outputs}</Output>
    <Item id="1" value="a"/><Item id="2" value="b"/>
    <Itemset id="1"><ItemRef itemRef="1"/></Itemset><Itemset id="2"><ItemRef itemRef="2"/></Itemset>
    ${rules || '<AssociationRule id="r" support="0.5" confidence="0.9" antecedent="1" consequent="2"/>'}
  </AssociationModel>`;

describe('AssociationModel', () => {
  const m = compileText(
    pmmlDoc(
      basket(
        '<OutputField name="next" feature="ruleValue" ruleFeature="consequent" algorithm="recommendation"/>',
      ),
    ),
  );
  it('takes the basket as an array of items, and declares it so', () => {
    expect(m.signature.inputs).toEqual([
      expect.objectContaining({ name: 'item', type: 'string', shape: [null] }),
    ]);
    expect(m.signature.outputs).toEqual([{ name: 'next', type: 'json' }]);
    expect(m.score({ item: ['a', 'zzz'] })).toEqual({ next: ['b'] });
    expect(m.score({ item: [] })).toEqual({ next: null });
  });
  it('refuses (400, naming the field) a basket that is missing or not an array of strings', () => {
    for (const item of [undefined, null, 'a', [1], [['a']]]) {
      let err: unknown;
      try {
        m.score({ item });
      } catch (x) {
        err = x;
      }
      expect(err, JSON.stringify(item)).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).field).toBe('item');
    }
  });
  it('refuses an output that ranks by, or answers, what a rule lacks', () => {
    expect(
      refusal(basket('<OutputField name="l" feature="ruleValue" ruleFeature="lift"/>')),
    ).toContain('lift');
    expect(
      refusal(
        basket(
          '<OutputField name="i" feature="ruleId"/>',
          '<AssociationRule support="0.5" confidence="0.9" antecedent="1" consequent="2"/>',
        ),
      ),
    ).toContain('no id');
    expect(refusal(basket('<OutputField name="p" feature="predictedValue"/>'))).toContain(
      'feature="predictedValue"',
    );
  });
});
