/** The data plane: one transport-free call per invocation, whatever protocol carried it. */
export { DataPlane, type DataPlaneDeps, type DeploymentView } from './data-plane.js';
export {
  NotebookRunError,
  NotebookRuns,
  presentRun,
  runLinks,
  runUrls,
  type NotebookRunsDeps,
} from './notebook-runs.js';
export type {
  Caller,
  FunctionRequest,
  FunctionResult,
  InferRequest,
  InferResult,
  ParameterInput,
  RequestBody,
  RejectedRecord,
  RunResult,
  ScoreRequest,
  ScoreResult,
} from './types.js';
