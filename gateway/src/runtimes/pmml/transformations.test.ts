import { describe, expect, it } from 'vitest';
import { evalExpression } from './testing/pmml-doc.js';

describe('PMML transformations', () => {
  it('NormContinuous interpolates between LinearNorm points and treats outliers as asked', () => {
    const norm = (attrs: string) => `<NormContinuous field="x" ${attrs}>
        <LinearNorm orig="0" norm="0"/><LinearNorm orig="10" norm="1"/><LinearNorm orig="20" norm="3"/>
      </NormContinuous>`;
    expect(evalExpression(norm(''), { x: 5 })).toBe(0.5);
    expect(evalExpression(norm(''), { x: 15 })).toBe(2);
    // asIs extrapolates the outer segments.
    expect(evalExpression(norm(''), { x: -10 })).toBe(-1);
    expect(evalExpression(norm(''), { x: 25 })).toBe(4);
    expect(evalExpression(norm('outliers="asExtremeValues"'), { x: 25 })).toBe(3);
    expect(evalExpression(norm('outliers="asMissingValues"'), { x: 25 })).toBeNull();
    expect(evalExpression(norm('mapMissingTo="9"'), { x: null })).toBe(9);
    expect(evalExpression(norm(''), { x: null })).toBeNull();
  });

  it('NormDiscrete is 1 for the value, 0 otherwise', () => {
    const nd = '<NormDiscrete field="s" value="red" mapMissingTo="0.5"/>';
    expect(evalExpression(nd, { s: 'red' })).toBe(1);
    expect(evalExpression(nd, { s: 'blue' })).toBe(0);
    expect(evalExpression(nd, {})).toBe(0.5);
  });

  it('Discretize puts a number in the first bin whose interval holds it', () => {
    const d = `<Discretize field="x" defaultValue="other" mapMissingTo="none">
        <DiscretizeBin binValue="low"><Interval closure="closedOpen" rightMargin="0"/></DiscretizeBin>
        <DiscretizeBin binValue="mid"><Interval closure="closedClosed" leftMargin="0" rightMargin="10"/></DiscretizeBin>
        <DiscretizeBin binValue="high"><Interval closure="openOpen" leftMargin="20"/></DiscretizeBin>
      </Discretize>`;
    expect(evalExpression(d, { x: -0.1 }, 'string')).toBe('low');
    expect(evalExpression(d, { x: 0 }, 'string')).toBe('mid');
    expect(evalExpression(d, { x: 10 }, 'string')).toBe('mid');
    expect(evalExpression(d, { x: 15 }, 'string')).toBe('other');
    expect(evalExpression(d, { x: 20 }, 'string')).toBe('other');
    expect(evalExpression(d, { x: 21 }, 'string')).toBe('high');
    expect(evalExpression(d, { x: null }, 'string')).toBe('none');
  });

  it('MapValues looks rows up in an InlineTable by one or more columns', () => {
    const one = `<MapValues outputColumn="out" dataType="double" defaultValue="-1" mapMissingTo="-2">
        <FieldColumnPair field="s" column="in"/>
        <InlineTable><row><in>a</in><out>1.5</out></row><row><in>b</in><out>2.5</out></row></InlineTable>
      </MapValues>`;
    expect(evalExpression(one, { s: 'b' })).toBe(2.5);
    expect(evalExpression(one, { s: 'zzz' })).toBe(-1);
    expect(evalExpression(one, {})).toBe(-2);
    const two = `<MapValues outputColumn="o" dataType="string">
        <FieldColumnPair field="s" column="c1"/><FieldColumnPair field="x" column="c2"/>
        <InlineTable>
          <row><c1>a</c1><c2>1</c2><o>a-one</o></row>
          <row><c1>a</c1><c2>2.0</c2><o>a-two</o></row>
        </InlineTable>
      </MapValues>`;
    expect(evalExpression(two, { s: 'a', x: 2 }, 'string')).toBe('a-two');
    expect(evalExpression(two, { s: 'a', x: 1 }, 'string')).toBe('a-one');
    // JPMML-SparkML's columns are in a namespace of their own (its label index output).
    const prefixed = `<MapValues xmlns:data="http://jpmml.org/jpmml-model/InlineTable" outputColumn="data:output" dataType="double">
        <FieldColumnPair field="s" column="data:input"/>
        <InlineTable><row><data:input>a</data:input><data:output>0</data:output></row><row><data:input>b</data:input><data:output>1</data:output></row></InlineTable>
      </MapValues>`;
    expect(evalExpression(prefixed, { s: 'b' })).toBe(1);
    expect(evalExpression(prefixed, { s: 'zzz' })).toBeNull();
  });

  it('FieldRef maps a missing value, Constant parses its type', () => {
    expect(evalExpression('<FieldRef field="x" mapMissingTo="4"/>', {})).toBe(4);
    expect(evalExpression('<Constant dataType="integer">12</Constant>', {}, 'integer')).toBe(12);
    expect(evalExpression('<Constant missing="true" dataType="double"/>', {})).toBeNull();
  });

  it('derived fields chain, are cast to their dataType (float rounds to float32), in any order', () => {
    const dict = `
      <DerivedField name="b" optype="continuous" dataType="float"><Apply function="*"><FieldRef field="a"/><Constant>1</Constant></Apply></DerivedField>
      <DerivedField name="a" optype="continuous" dataType="double"><Apply function="/"><FieldRef field="x"/><Constant>3</Constant></Apply></DerivedField>
      <DerivedField name="i" optype="continuous" dataType="integer"><FieldRef field="x"/></DerivedField>`;
    expect(evalExpression('<FieldRef field="a"/>', { x: 1 }, 'double', dict)).toBe(1 / 3);
    expect(evalExpression('<FieldRef field="b"/>', { x: 1 }, 'double', dict)).toBe(
      Math.fround(1 / 3),
    );
    expect(evalExpression('<FieldRef field="i"/>', { x: 2.7 }, 'integer', dict)).toBe(2);
  });

  it('refuses a derived field defined in terms of itself, and an unknown field, at load', () => {
    const loop = `<DerivedField name="a" optype="continuous" dataType="double"><FieldRef field="b"/></DerivedField>
      <DerivedField name="b" optype="continuous" dataType="double"><FieldRef field="a"/></DerivedField>`;
    expect(() => evalExpression('<FieldRef field="a"/>', {}, 'double', loop)).toThrow(/itself/);
    expect(() => evalExpression('<FieldRef field="nope"/>', {})).toThrow(/"nope"/);
  });

  it('refuses expressions it does not implement, naming them', () => {
    expect(() => evalExpression('<Aggregate field="x" function="sum"/>', {})).toThrow(/Aggregate/);
    expect(() => evalExpression('<Lag field="x"/>', {})).toThrow(/Lag/);
  });
});
