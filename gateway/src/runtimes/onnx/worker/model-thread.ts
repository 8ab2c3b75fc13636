import type { MessagePort } from 'node:worker_threads';
import type { RecordValue } from '../../../protocol/signature.js';
import { readFileSync } from 'node:fs';
import { InvalidInputError, UnusableArtifactError } from '../../../errors.js';
import {
  fromWirePacked,
  toWirePacked,
  type PackedTensors,
  type WirePackedTensor,
} from '../packed-tensors.js';
import { compileDocument } from '../../pmml/document.js';
import { DEFAULT_LIMITS, parseXml } from '../../pmml/xml.js';
import type { Prediction } from '../../types.js';
import { OnnxModel } from '../onnx-model.js';
import { toWireError, type LoadArgs, type LoadReply } from './wire.js';

/** A request the process forwards to a model thread: its protocol line, unparsed. */
export interface ThreadRequest {
  id: number;
  method: 'load' | 'predict' | 'predict_tensors' | 'unload';
  line: string;
}

/**
 * A model thread's answer: the protocol line to write as is (serialised here, off the
 * process's main thread), and whether the thread is ending (unloaded, or its load failed).
 */
export interface ThreadReply {
  id: number;
  line: string;
  ending: boolean;
}

/**
 * Serves one model in a worker thread: requests are handled one after another, in the order
 * they came, so that the gateway can tell which call is running (the oldest unanswered one).
 * `session.run` holds this thread while it runs; the process's main thread stays free to
 * answer pings and other models' calls.
 */
export function serveModelThread(port: MessagePort): void {
  let model: ThreadModel | undefined;
  let queue = Promise.resolve();
  const reply = (id: number, body: object, ending = false) => {
    const message: ThreadReply = { id, line: JSON.stringify({ id, ...body }), ending };
    port.postMessage(message);
    if (ending) port.close();
  };

  const handle = async ({ id, method, line }: ThreadRequest): Promise<void> => {
    try {
      const { args } = JSON.parse(line) as { args: Record<string, unknown> };
      if (method === 'load') {
        model ??= await openModel(args as unknown as LoadArgs);
        return reply(id, { result: model.info });
      }
      if (method === 'unload') {
        await model?.release();
        model = undefined;
        return reply(id, { result: {} }, true);
      }
      if (!model)
        return reply(id, { error: { type: 'ModelNotLoaded', message: 'no model loaded' } });
      if (method === 'predict_tensors') {
        if (!model.runPacked) throw new InvalidInputError('this model takes records, not tensors');
        const feeds = fromWirePacked(args.feeds as Record<string, WirePackedTensor>);
        return reply(id, { result: { outputs: toWirePacked(await model.runPacked(feeds)) } });
      }
      const result = await model.predict(args.records as RecordValue[]);
      return reply(id, { result });
    } catch (err) {
      // A thread whose load failed holds nothing: it ends, and a later load starts another.
      reply(id, { error: toWireError(err) }, method === 'load' && !model);
    }
  };
  port.on('message', (request: ThreadRequest) => {
    queue = queue.then(() => handle(request));
  });
}

/** A model a thread serves: what it says of itself, its answers, and what frees it. */
interface ThreadModel {
  info: LoadReply;
  predict(records: RecordValue[]): Promise<Prediction[]>;
  runPacked?(feeds: PackedTensors): Promise<PackedTensors>;
  release(): Promise<void>;
}

async function openModel({ path, threads, kind, limits }: LoadArgs): Promise<ThreadModel> {
  if (kind === 'pmml') {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new UnusableArtifactError(
        `cannot read the artifact file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    // This thread is the model's own: parsing and compiling here holds nothing else.
    const pmml = compileDocument(
      parseXml(bytes, limits ?? DEFAULT_LIMITS),
      limits ?? DEFAULT_LIMITS,
    );
    return {
      info: { signature: pmml.signature, warnings: [...pmml.warnings] },
      predict: async (records) => records.map((r) => pmml.score(r)),
      release: async () => {},
    };
  }
  const onnx = await OnnxModel.open(path, { threads });
  const tensors = onnx.tensorPlan;
  return {
    info: {
      signature: onnx.plan.signature,
      warnings: onnx.plan.warnings,
      ...(tensors && { tensors }),
    },
    predict: (records) => onnx.predict(records),
    runPacked: (feeds) => onnx.runPacked(feeds),
    release: () => onnx.release(),
  };
}
