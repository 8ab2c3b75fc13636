/** Saved-model formats the file browser offers to publish, by file name. */
export type ModelFormat = 'onnx' | 'pmml' | 'pickle' | 'mojo';

const BY_EXTENSION: Record<string, ModelFormat> = {
  onnx: 'onnx',
  pmml: 'pmml',
  xml: 'pmml',
  pkl: 'pickle',
  pickle: 'pickle',
  joblib: 'pickle',
  // XGBoost's binary model file; its JSON (.json) and LightGBM's text (.txt) are too common
  // as names to claim here: publish those with curl (the gateway recognises them by content).
  ubj: 'pickle',
  zip: 'mojo',
};

/**
 * The format a file would publish as, or null when it is not a model file. The gateway
 * checks the bytes again (an `.xml` must hold `<PMML`, a `.zip` a `model.ini`).
 */
export function modelFormatOf(path: string): ModelFormat | null {
  const match = /\.([a-z0-9]+)$/i.exec(path);
  return match ? (BY_EXTENSION[match[1].toLowerCase()] ?? null) : null;
}
