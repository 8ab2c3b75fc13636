import { pmmlDoc } from '../../src/runtimes/pmml/testing/pmml-doc.js';

/**
 * A regression whose `age` is valid between 0 and 120 only, invalid values refused
 * (`returnInvalid`, PMML's default): the signature cannot say so (it names categories, not
 * intervals), so validation lets 130 in and the model refuses it.
 */
const DOCUMENT = pmmlDoc(`
  <DataDictionary>
    <DataField name="age" optype="continuous" dataType="double">
      <Interval closure="closedClosed" leftMargin="0" rightMargin="120"/>
    </DataField>
    <DataField name="plan" optype="categorical" dataType="string">
      <Value value="basic"/><Value value="pro"/>
    </DataField>
    <DataField name="spend" optype="continuous" dataType="double"/>
  </DataDictionary>
  <RegressionModel functionName="regression">
    <MiningSchema>
      <MiningField name="age" invalidValueTreatment="returnInvalid"/>
      <MiningField name="plan" invalidValueTreatment="asIs"/>
      <MiningField name="spend" usageType="target"/>
    </MiningSchema>
    <RegressionTable intercept="10">
      <NumericPredictor name="age" coefficient="2"/>
      <CategoricalPredictor name="plan" value="pro" coefficient="5"/>
    </RegressionTable>
  </RegressionModel>`);

/** The document as a file to publish (`publishForm`). */
export const intervalModel = () => ({
  bytes: new TextEncoder().encode(DOCUMENT),
  filename: 'spend.pmml',
});
