import { UnusableArtifactError } from '../../errors.js';
import { defineDerivedFields, type CompileContext } from './expressions.js';
import type {
  CompiledCore,
  CompiledModel,
  MiningFunction,
  ModelCompileInput,
  TargetInfo,
} from './model-types.js';
import { compileAnomalyDetection } from './models/anomaly-detection-model.js';
import { compileAssociation } from './models/association-model.js';
import { compileClustering } from './models/clustering-model.js';
import { compileGeneralRegression } from './models/general-regression-model.js';
import { compileMining } from './models/mining-model.js';
import { compileNaiveBayes } from './models/naive-bayes-model.js';
import { compileNearestNeighbor } from './models/nearest-neighbor-model.js';
import { compileNeuralNetwork } from './models/neural-network.js';
import { compileRegression } from './models/regression-model.js';
import { compileRuleSet } from './models/rule-set-model.js';
import { compileScorecard } from './models/scorecard.js';
import { compileSupportVectorMachine } from './models/support-vector-machine-model.js';
import { compileTree } from './models/tree-model.js';
import { compileOutput } from './output.js';
export { isModelElement } from './model-elements.js';
import { depthOf } from './nesting.js';
import { Scope, type FieldDef } from './scope.js';
import { compileTargets, targetDisplayValues } from './targets.js';
import { attr, dataTypeOf, enumAttr, key, toType, unusable, type Env } from './values.js';
import { child, childrenNamed, type XmlElement } from './xml.js';

interface ModelType {
  readonly compile: (input: ModelCompileInput) => CompiledCore;
  /** Children the model type reads itself (besides the ones every model has). */
  readonly children: readonly string[];
}

const MODEL_TYPES: Record<string, ModelType> = {
  RegressionModel: { compile: compileRegression, children: ['RegressionTable'] },
  TreeModel: { compile: compileTree, children: ['Node'] },
  MiningModel: { compile: compileMining, children: ['Segmentation'] },
  NeuralNetwork: {
    compile: compileNeuralNetwork,
    children: ['NeuralInputs', 'NeuralLayer', 'NeuralOutputs'],
  },
  NaiveBayesModel: { compile: compileNaiveBayes, children: ['BayesInputs', 'BayesOutput'] },
  SupportVectorMachineModel: {
    compile: compileSupportVectorMachine,
    children: [
      'LinearKernelType',
      'PolynomialKernelType',
      'RadialBasisKernelType',
      'SigmoidKernelType',
      'VectorDictionary',
      'SupportVectorMachine',
    ],
  },
  ClusteringModel: {
    compile: compileClustering,
    children: ['ComparisonMeasure', 'ClusteringField', 'MissingValueWeights', 'Cluster'],
  },
  Scorecard: { compile: compileScorecard, children: ['Characteristics'] },
  AssociationModel: {
    compile: compileAssociation,
    children: ['Item', 'Itemset', 'AssociationRule'],
  },
  AnomalyDetectionModel: {
    compile: compileAnomalyDetection,
    children: [
      'MeanClusterDistances',
      'MiningModel',
      'SupportVectorMachineModel',
      'ClusteringModel',
    ],
  },
  NearestNeighborModel: {
    compile: compileNearestNeighbor,
    children: ['TrainingInstances', 'ComparisonMeasure', 'KNNInputs'],
  },
  RuleSetModel: { compile: compileRuleSet, children: ['RuleSet'] },
  GeneralRegressionModel: {
    compile: compileGeneralRegression,
    children: [
      'ParameterList',
      'FactorList',
      'CovariateList',
      'PPMatrix',
      'PCovMatrix',
      'ParamMatrix',
      'EventValues',
      'BaseCumHazardTables',
    ],
  },
};

/** Children every model may have; ModelStats, ModelExplanation and ModelVerification do not change scores. */
const COMMON_CHILDREN = new Set([
  'Extension',
  'MiningSchema',
  'Output',
  'ModelStats',
  'ModelExplanation',
  'Targets',
  'LocalTransformations',
  'ModelVerification',
]);

/** Extra knowledge a model compile needs: the document's data fields. */
export interface ModelContext extends CompileContext {
  readonly dataFields: ReadonlyMap<string, XmlElement>;
}

/**
 * The target described by a DataField: type and, when categorical, categories (with the display
 * values its Value elements declare).
 */
export function targetFromDataField(name: string, ctx: ModelContext): TargetInfo {
  const df = ctx.dataFields.get(name);
  if (!df)
    throw new UnusableArtifactError(`the target field "${name}" is not in the DataDictionary`);
  const dataType = dataTypeOf(df);
  const valid = childrenNamed(df, 'Value').filter((v) => (v.attrs.property ?? 'valid') === 'valid');
  const categories = valid.map((v) => toType(attr(v, 'value'), dataType) ?? null);
  const displayValues = new Map<string, string>();
  valid.forEach((v, i) => {
    if (v.attrs.displayValue !== undefined)
      displayValues.set(key(categories[i]!), v.attrs.displayValue);
  });
  return {
    name,
    dataType,
    ...(categories.length ? { categories } : {}),
    ...(displayValues.size ? { displayValues } : {}),
  };
}

/**
 * Compiles one model element: its mining fields and local transformations into a scope, then the
 * model type's own scoring code, then Targets and Output around it. The top-level model's active
 * fields are already in `parentScope` (prepared by the mining schema); a nested model's mining
 * fields must name fields its parent can see.
 */
export function compileModel(
  el: XmlElement,
  parentScope: Scope,
  ctx: ModelContext,
  inherited: TargetInfo | undefined,
  topLevel: boolean,
): CompiledModel {
  const type = MODEL_TYPES[el.name];
  if (!type) throw unusable(el, `${el.name} is not supported`);
  if (el.attrs.isScorable === 'false')
    throw new UnusableArtifactError(`${el.name} is marked isScorable="false"`);
  for (const c of el.children) {
    if (COMMON_CHILDREN.has(c.name) || type.children.includes(c.name)) continue;
    if (c.name === 'Regression' || c.name === 'DecisionTree')
      throw unusable(
        c,
        `${c.name} in ${el.name} is not supported: embedded models (kept from PMML 3) are scored by no reference evaluator; put the model in a Segment instead`,
      );
    throw unusable(c, `${c.name} in ${el.name} is not supported`);
  }
  const functionName = enumAttr<MiningFunction>(
    el,
    'functionName',
    ['regression', 'classification', 'clustering', 'associationRules'],
    'regression',
  );
  if (el.attrs.functionName === undefined)
    throw new UnusableArtifactError(`${el.name} has no functionName`);
  const scope = new Scope(parentScope);
  const miningSchema = child(el, 'MiningSchema');
  if (!miningSchema) throw new UnusableArtifactError(`${el.name} has no MiningSchema`);
  let target = inherited;
  for (const mf of childrenNamed(miningSchema, 'MiningField')) {
    const name = attr(mf, 'name');
    const usage = mf.attrs.usageType ?? 'active';
    if (usage === 'target' || usage === 'predicted') {
      target = inherited?.name === name ? inherited : targetFromDataField(name, ctx);
      continue;
    }
    if (
      usage !== 'active' &&
      usage !== 'supplementary' &&
      usage !== 'group' &&
      usage !== 'frequencyWeight'
    )
      throw new UnusableArtifactError(
        `MiningField "${name}": usageType="${usage}" is not supported`,
      );
    if (topLevel || usage !== 'active') continue;
    const outer = parentScope.require(name, `MiningField of ${el.name}`);
    // Values were checked against the DataDictionary at the top; clamping again is not implemented.
    if ((mf.attrs.outliers ?? 'asIs') !== 'asIs')
      throw new UnusableArtifactError(
        `MiningField "${name}" of a nested ${el.name}: outliers="${mf.attrs.outliers}" is not supported`,
      );
    const replacement = mf.attrs.missingValueReplacement;
    if (replacement !== undefined) {
      const r = toType(replacement, outer.dataType) ?? null;
      const g = outer.get;
      const replaced: FieldDef = {
        ...outer,
        get: (env: Env) => g(env) ?? r,
        depth: depthOf(outer) + 1,
      };
      scope.define(replaced);
    }
  }
  if (functionName === 'clustering') target ??= { dataType: 'string' };
  // A regression without a target field (sklearn2pmml's IsolationForest, OneClassSVM) predicts
  // an unnamed double, as JPMML-Evaluator's synthetic target does.
  if (functionName === 'regression') target ??= { dataType: 'double' };
  // Association rules predict no value: their Output fields are the answer.
  if (functionName === 'associationRules') target ??= { dataType: 'string' };
  if (!target)
    throw new UnusableArtifactError(
      `${el.name} has no target field (MiningField usageType="target")`,
    );
  defineDerivedFields(child(el, 'LocalTransformations'), scope, ctx);
  const core = type.compile({
    el,
    scope,
    ctx,
    functionName,
    target,
    topLevel,
    compileNested: (nested, nestedScope, t) => compileModel(nested, nestedScope, ctx, t, false),
  });
  if (core.categories && !target.categories) target = { ...target, categories: core.categories };
  const targetsEl = child(el, 'Targets');
  const displayValues = targetDisplayValues(targetsEl, target);
  if (displayValues) target = { ...target, displayValues };
  const targets = compileTargets(targetsEl, functionName, target);
  const output = compileOutput(
    child(el, 'Output'),
    scope,
    parentScope,
    ctx,
    functionName,
    target,
    core.classAnswers,
  );
  const score = core.score;
  const fill = output.fill;
  const outputs = [...output.defs, ...(core.outputs ?? []).map((o) => ({ ...o, nested: true }))];
  const evaluate = targets
    ? (env: Env) => {
        const r = targets(score(env));
        fill(env, r);
        return r;
      }
    : (env: Env) => {
        const r = score(env);
        fill(env, r);
        return r;
      };
  const classAnswers = core.classAnswers ?? 'probability';
  const plain = core.plainTree && !targets && outputs.length === 0;
  return {
    functionName,
    target,
    outputs,
    classAnswers,
    evaluate,
    ...(plain && { plainTree: core.plainTree }),
  };
}
