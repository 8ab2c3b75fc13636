import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../errors.js';
import { applyConst, evalExpression } from './testing/pmml-doc.js';

const num = (fn: string, ...args: (number | string)[]) =>
  evalExpression(applyConst(fn, ...args), {});
const text = (fn: string, ...args: (number | string)[]) =>
  evalExpression(applyConst(fn, ...args), {}, 'string');
const bool = (fn: string, ...args: (number | string)[]) =>
  evalExpression(applyConst(fn, ...args), {}, 'boolean');

describe('PMML built-in functions', () => {
  it.each([
    ['+', [2, 3], 5],
    ['-', [2, 3], -1],
    ['*', [2, 3], 6],
    ['/', [3, 2], 1.5],
    ['min', [4, -1, 2], -1],
    ['max', [4, -1, 2], 4],
    ['sum', [1, 2, 3.5], 6.5],
    ['avg', [1, 2, 6], 3],
    ['median', [5, 1, 3], 3],
    ['median', [4, 1, 3, 2], 2.5],
    ['product', [2, 3, 4], 24],
    ['log10', [1000], 3],
    ['ln', [Math.E], 1],
    ['sqrt', [2.25], 1.5],
    ['abs', [-2.5], 2.5],
    ['exp', [0], 1],
    ['pow', [2, 10], 1024],
    ['threshold', [3, 2], 1],
    ['threshold', [2, 2], 0],
    ['floor', [-1.5], -2],
    ['ceil', [-1.5], -1],
    ['round', [2.5], 3],
    ['round', [-2.5], -2],
    ['modulo', [-7, 3], 2],
    ['expm1', [0], 0],
    ['log1p', [0], 0],
    ['sin', [0], 0],
    ['cos', [0], 1],
    ['tan', [0], 0],
    ['asin', [1], Math.PI / 2],
    ['acos', [1], 0],
    ['atan', [1], Math.PI / 4],
    ['atan2', [1, 1], Math.PI / 4],
    ['sinh', [0], 0],
    ['cosh', [0], 1],
    ['tanh', [0], 0],
    ['hypot', [3, 4], 5],
    // Reference values from Python's math.erf and scipy.stats.norm.
    ['erf', [0.5], 0.5204998778130465],
    ['erf', [-2], -0.9953222650189527],
    ['stdNormalCDF', [1.96], 0.9750021048517795],
    ['stdNormalCDF', [-4], 3.167124183311996e-5],
    ['stdNormalPDF', [1], 0.24197072451914337],
    ['stdNormalIDF', [0.975], 1.959963984540054],
    ['normalCDF', [12, 10, 2], 0.8413447460685429],
    ['normalPDF', [10, 10, 2], 0.19947114020071635],
    ['normalIDF', [0.5, 10, 2], 10],
  ] as [string, number[], number][])('%s(%j) = %d', (fn, args, want) => {
    const got = num(fn, ...args) as number;
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(want)));
  });

  it.each([
    ['equal', [2, 2], true],
    ['notEqual', [2, 2], false],
    ['lessThan', [1, 2], true],
    ['lessOrEqual', [2, 2], true],
    ['greaterThan', [1, 2], false],
    ['greaterOrEqual', [3, 2], true],
    ['isIn', [2, 1, 2, 3], true],
    ['isNotIn', [2, 1, 3], true],
  ] as [string, number[], boolean][])('%s(%j) = %s', (fn, args, want) => {
    expect(bool(fn, ...args)).toBe(want);
  });

  it('combines booleans with and, or, not', () => {
    const t = applyConst('equal', 1, 1);
    const f = applyConst('equal', 1, 2);
    expect(evalExpression(`<Apply function="and">${t}${f}</Apply>`, {}, 'boolean')).toBe(false);
    expect(evalExpression(`<Apply function="or">${t}${f}</Apply>`, {}, 'boolean')).toBe(true);
    expect(evalExpression(`<Apply function="not">${f}</Apply>`, {}, 'boolean')).toBe(true);
  });

  it('works on strings', () => {
    expect(text('uppercase', 'abc')).toBe('ABC');
    expect(text('lowercase', 'AbC')).toBe('abc');
    expect(text('substring', 'slipway', 2, 3)).toBe('lip');
    expect(text('trimBlanks', '<Constant dataType="string">  a b  </Constant>')).toBe('a b');
    expect(text('concat', 'a', 'b', 'c')).toBe('abc');
    expect(text('replace', 'banana', 'a', 'o')).toBe('bonono');
    expect(bool('matches', 'slipway', '^sl')).toBe(true);
  });

  it('evaluates only the chosen branch of if, and maps missing arguments', () => {
    const cond =
      '<Apply function="greaterThan"><FieldRef field="x"/><Constant>0</Constant></Apply>';
    const ifx = `<Apply function="if">${cond}<Constant>1</Constant><Apply function="ln"><Constant>-1</Constant></Apply></Apply>`;
    expect(evalExpression(ifx, { x: 5 })).toBe(1);
    // The else branch is a logarithm of -1: reached, it is an invalid value.
    expect(() => evalExpression(ifx, { x: -5 })).toThrow(/ln/);
    const mapped =
      '<Apply function="+" mapMissingTo="-1"><FieldRef field="x"/><Constant>1</Constant></Apply>';
    expect(evalExpression(mapped, { x: null })).toBe(-1);
    expect(evalExpression(mapped, { x: 2 })).toBe(3);
    expect(
      evalExpression('<Apply function="isMissing"><FieldRef field="x"/></Apply>', {}, 'boolean'),
    ).toBe(true);
    expect(
      evalExpression(
        '<Apply function="isNotMissing"><FieldRef field="x"/></Apply>',
        { x: 1 },
        'boolean',
      ),
    ).toBe(true);
  });

  it('treats a division by zero as invalid: 400 by default, missing or the default value when asked', () => {
    const div = (attrs: string) =>
      `<Apply function="/" ${attrs}><FieldRef field="x"/><FieldRef field="z"/></Apply>`;
    const err = (() => {
      try {
        evalExpression(div(''), { x: 1, z: 0 });
      } catch (e) {
        return e as SlipwayError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SlipwayError);
    expect(err!.status).toBe(400);
    expect(evalExpression(div('invalidValueTreatment="asMissing"'), { x: 1, z: 0 })).toBeNull();
    expect(
      evalExpression(div('invalidValueTreatment="asMissing" defaultValue="7"'), { x: 1, z: 0 }),
    ).toBe(7);
  });

  it('calls user-defined functions (DefineFunction)', () => {
    const fn = `<DefineFunction name="affine" optype="continuous" dataType="double">
        <ParameterField name="a"/><ParameterField name="b"/>
        <Apply function="+"><Apply function="*"><FieldRef field="a"/><Constant>2</Constant></Apply><FieldRef field="b"/></Apply>
      </DefineFunction>`;
    const call =
      '<Apply function="affine"><FieldRef field="x"/><Apply function="affine"><FieldRef field="z"/><Constant>1</Constant></Apply></Apply>';
    // affine(3, affine(4, 1)) = 3*2 + (4*2 + 1)
    expect(evalExpression(call, { x: 3, z: 4 }, 'double', fn)).toBe(15);
  });

  it('refuses an unknown function at load, naming it', () => {
    expect(() => evalExpression(applyConst('formatDatetime', 1, 'x'), {})).toThrow(
      /formatDatetime/,
    );
    expect(() => evalExpression(applyConst('x-unknown', 1), {})).toThrow(/x-unknown/);
  });

  it('refuses a wrong number of arguments at load', () => {
    expect(() => evalExpression(applyConst('pow', 1), {})).toThrow(/pow takes 2 arguments/);
  });
});
