// The ONNX worker process (started by onnx-workers.ts): its main thread speaks the workers'
// JSON-lines protocol over stdio, and each loaded model runs in a thread of this same file.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { serveOnnxWorker } from './process-server.js';

/** A thread running this file. From the TypeScript sources (tests, `npm run dev`) through tsx,
 * which a process's `--import` does not bring to its threads. */
function modelThread(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self));
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`;
  return new Worker(boot, { eval: true });
}

// The main thread never loads onnxruntime: it only passes messages.
if (isMainThread) serveOnnxWorker(modelThread);
else (await import('./model-thread.js')).serveModelThread(parentPort!);
