// The figures by name live with the wire types, where the extension reads them too.
export { lowerIsBetter, metricValue } from '../../protocol/quality-figures.js';
