import type { XmlElement } from './xml.js';

/** Every PMML 4.4 model element, supported or not: a Segment holds exactly one of these. */
const MODEL_ELEMENTS = new Set([
  'AnomalyDetectionModel',
  'AssociationModel',
  'BaselineModel',
  'BayesianNetworkModel',
  'ClusteringModel',
  'GaussianProcessModel',
  'GeneralRegressionModel',
  'MiningModel',
  'NaiveBayesModel',
  'NearestNeighborModel',
  'NeuralNetwork',
  'RegressionModel',
  'RuleSetModel',
  'Scorecard',
  'SequenceModel',
  'SupportVectorMachineModel',
  'TextModel',
  'TimeSeriesModel',
  'TreeModel',
]);

/** True for the elements that are models (of any type, supported or not). */
export function isModelElement(el: XmlElement): boolean {
  return MODEL_ELEMENTS.has(el.name);
}
