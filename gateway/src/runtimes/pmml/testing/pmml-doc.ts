import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compilePmml, type PmmlModel } from '../document.js';
import type { XmlLimits } from '../xml.js';

/** Wraps PMML body elements in a PMML 4.4 document. */
export function pmmlDoc(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>${body}</PMML>`;
}

/** The committed PMML fixtures (test/fixtures/pmml/). */
export const PMML_FIXTURES = fileURLToPath(
  new URL('../../../../test/fixtures/pmml/', import.meta.url),
);

/** The text of fixture `name` (`<name>.pmml`). */
export const fixtureText = (name: string): string =>
  readFileSync(`${PMML_FIXTURES}${name}.pmml`, 'utf8');

/** Fixture `name`, compiled. */
export const loadFixture = (name: string): PmmlModel =>
  compilePmml(readFileSync(`${PMML_FIXTURES}${name}.pmml`));

/** Compiles a document given as text. */
export function compileText(xml: string, limits?: XmlLimits): PmmlModel {
  return compilePmml(new TextEncoder().encode(xml), limits);
}

const FIELDS = `
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="z" optype="continuous" dataType="double"/>
  <DataField name="s" optype="categorical" dataType="string"/>
  <DataField name="y" optype="continuous" dataType="double"/>`;

/**
 * A document whose only answer is one expression over the inputs x, z (doubles) and s (a
 * string), as an Output field `out` of type `dataType`; `dictionary` adds elements to the
 * TransformationDictionary (derived fields, functions) the expression may use.
 */
export function expressionProbe(
  expression: string,
  dataType = 'double',
  dictionary = '',
): PmmlModel {
  return compileText(
    pmmlDoc(`<DataDictionary>${FIELDS}</DataDictionary>
      <TransformationDictionary>${dictionary}</TransformationDictionary>
      <RegressionModel functionName="regression">
        <MiningSchema>
          <MiningField name="y" usageType="target"/>
          <MiningField name="x" missingValueTreatment="asIs"/>
          <MiningField name="z" missingValueTreatment="asIs"/>
          <MiningField name="s" missingValueTreatment="asIs" invalidValueTreatment="asIs"/>
        </MiningSchema>
        <Output><OutputField name="out" dataType="${dataType}" feature="transformedValue">${expression}</OutputField></Output>
        <RegressionTable intercept="0"/>
      </RegressionModel>`),
  );
}

/** Evaluates an expression (see `expressionProbe`) for one record. */
export function evalExpression(
  expression: string,
  record: Record<string, unknown>,
  dataType = 'double',
  dictionary = '',
): unknown {
  return expressionProbe(expression, dataType, dictionary).score(record).out;
}

/** `<Apply function="f">` over constants: a builtin's value for literal arguments. */
export function applyConst(fn: string, ...args: (number | string)[]): string {
  const items = args
    .map((a) =>
      typeof a === 'number'
        ? `<Constant dataType="double">${a}</Constant>`
        : a.startsWith('<')
          ? a
          : `<Constant dataType="string">${a}</Constant>`,
    )
    .join('');
  return `<Apply function="${fn}">${items}</Apply>`;
}
