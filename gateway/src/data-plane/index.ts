/** The data plane: one transport-free call per invocation, whatever protocol carried it. */
export { DataPlane, type DataPlaneDeps, type DeploymentView } from './data-plane.js';
export { NotebookRuns, presentRun, runUrls, type NotebookRunsDeps } from './notebook-runs.js';
export type {
  Caller,
  FunctionRequest,
  FunctionResult,
  InferRequest,
  InferResult,
  ParameterInput,
  RequestBody,
  RunResult,
} from './types.js';
