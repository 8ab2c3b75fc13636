export type * from './signature.js';
export type * from './errors.js';
export type * from './deployments.js';
export type * from './service.js';
export type * from './monitoring.js';
export { FORMATS, POOL_NAMES } from './deployments.js';
export { VALUE_TYPES } from './signature.js';
export { DRIFT_METHODS, QUALITY_METRIC_NAMES } from './monitoring.js';
export { lowerIsBetter, metricNamesFor, metricValue } from './quality-figures.js';
