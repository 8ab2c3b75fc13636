import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { compileText, pmmlDoc } from './testing/pmml-doc.js';

/** y = x + [c=red]·10 + [c=blue]·20, with the mining field attributes given. */
function model(
  xAttrs = '',
  cAttrs = '',
  xField = '<DataField name="x" optype="continuous" dataType="double"/>',
) {
  return compileText(
    pmmlDoc(`<DataDictionary>
        ${xField}
        <DataField name="c" optype="categorical" dataType="string">
          <Value value="red"/><Value value="blue"/><Value value="?" property="missing"/><Value value="bad" property="invalid"/>
        </DataField>
        <DataField name="y" optype="continuous" dataType="double"/>
      </DataDictionary>
      <RegressionModel functionName="regression">
        <MiningSchema>
          <MiningField name="y" usageType="target"/>
          <MiningField name="x" ${xAttrs}/>
          <MiningField name="c" ${cAttrs}/>
        </MiningSchema>
        <RegressionTable intercept="0">
          <NumericPredictor name="x" coefficient="1"/>
          <CategoricalPredictor name="c" value="red" coefficient="10"/>
          <CategoricalPredictor name="c" value="blue" coefficient="20"/>
        </RegressionTable>
      </RegressionModel>`),
  );
}

function badInput(f: () => unknown): SlipwayError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SlipwayError);
    expect((e as SlipwayError).status).toBe(400);
    return e as SlipwayError;
  }
  throw new Error('expected a 400');
}

describe('PMML MiningSchema value treatment', () => {
  it('returnInvalid (the default) answers 400 naming the field for an unknown category', () => {
    const err = badInput(() => model().score({ x: 1, c: 'green' }));
    expect(err.field).toBe('c');
    expect(err.message).toMatch(
      /field c: "green" is not a valid value; expected one of "red", "blue"/,
    );
    // A value the DataField declares invalid is invalid too.
    expect(badInput(() => model().score({ x: 1, c: 'bad' })).field).toBe('c');
  });

  it('asMissing treats an invalid value as missing, which takes the replacement', () => {
    const m = model('', 'invalidValueTreatment="asMissing" missingValueReplacement="blue"');
    expect(m.score({ x: 1, c: 'green' }).y).toBe(21);
  });

  it('asValue replaces an invalid value', () => {
    const m = model('', 'invalidValueTreatment="asValue" invalidValueReplacement="red"');
    expect(m.score({ x: 1, c: 'green' }).y).toBe(11);
  });

  it('asIs keeps an invalid value: a category without a coefficient adds nothing', () => {
    const m = model('', 'invalidValueTreatment="asIs"');
    expect(m.score({ x: 1, c: 'green' }).y).toBe(1);
  });

  it('replaces missing values: absent, null, NaN or a value declared missing', () => {
    const m = model('missingValueReplacement="5"', 'missingValueReplacement="red"');
    expect(m.score({ c: 'blue' }).y).toBe(25);
    expect(m.score({ x: null, c: 'blue' }).y).toBe(25);
    expect(m.score({ x: Number.NaN, c: 'blue' }).y).toBe(25);
    expect(m.score({ x: 1, c: '?' }).y).toBe(11);
    expect(m.score({ x: 1 }).y).toBe(11);
  });

  it('recognises a numeric missing-value code however it is written', () => {
    const coded =
      '<DataField name="x" optype="continuous" dataType="double"><Value value="-999.0" property="missing"/></DataField>';
    const m = model('missingValueReplacement="5"', '', coded);
    expect(m.score({ x: -999, c: 'red' }).y).toBe(15);
    expect(m.score({ x: '-999', c: 'red' }).y).toBe(15);
    expect(m.score({ x: -998, c: 'red' }).y).toBe(-988);
  });

  it('answers no prediction when a missing value has no replacement', () => {
    expect(model().score({ x: null, c: 'red' }).y).toBeNull();
  });

  it('checks intervals of a continuous field, and applies outlier treatment', () => {
    const bounded =
      '<DataField name="x" optype="continuous" dataType="double"><Interval closure="closedClosed" leftMargin="0" rightMargin="100"/></DataField>';
    expect(badInput(() => model('', '', bounded).score({ x: 101, c: 'red' })).field).toBe('x');
    expect(model('', '', bounded).score({ x: 100, c: 'red' }).y).toBe(110);
    const extreme = model('outliers="asExtremeValues" lowValue="0" highValue="50"');
    expect(extreme.score({ x: 80, c: 'red' }).y).toBe(60);
    expect(extreme.score({ x: -3, c: 'red' }).y).toBe(10);
    const asMissing = model(
      'outliers="asMissingValues" lowValue="0" highValue="50" missingValueReplacement="7"',
    );
    expect(asMissing.score({ x: 80, c: 'red' }).y).toBe(17);
  });

  it('refuses a value of the wrong type (400) and converts numeric text', () => {
    expect(badInput(() => model().score({ x: 'abc', c: 'red' })).field).toBe('x');
    expect(model().score({ x: '2.5', c: 'red' }).y).toBe(12.5);
  });

  it('describes the inputs in the signature', () => {
    const sig = model('missingValueReplacement="0"', 'invalidValueTreatment="asIs"').signature;
    expect(sig.inputs).toEqual([
      { name: 'x', type: 'float64', shape: [], required: false, nullable: true },
      // asIs lets other categories in, so the allowed values are not a hard limit; a missing
      // value (null) is the document's to treat, for a string field too.
      { name: 'c', type: 'string', shape: [], nullable: true },
    ]);
    expect(model().signature.inputs[1]).toEqual({
      name: 'c',
      type: 'string',
      shape: [],
      values: ['red', 'blue'],
      nullable: true,
    });
    expect(model().signature.outputs).toEqual([{ name: 'y', type: 'float64', shape: [] }]);
  });
});
