import type { Signature } from '../../protocol/signature.js';

/** skl2onnx's iris classifier: one float tensor of 4 in, a label and 3 class probabilities out. */
export const irisClassifier: Signature = {
  inputs: [{ name: 'input', type: 'float32', shape: [4] }],
  outputs: [
    { name: 'output_label', type: 'int64', shape: [] },
    { name: 'output_probability', type: 'float32', shape: [3], values: [0, 1, 2] },
  ],
};
