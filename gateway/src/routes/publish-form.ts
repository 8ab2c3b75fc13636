import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import type { ReceivedFile } from '../artifacts/artifact-store.js';
import type { PublishForm } from '../deployments/deployment-service.js';
import {
  InvalidInputError,
  SlipwayError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';

/** Where the uploaded file goes: a temporary file in the artifact store. */
export interface UploadSink {
  receive(
    source: AsyncIterable<Uint8Array>,
    opts: { maxBytes: number; filename?: string },
  ): Promise<ReceivedFile>;
  discard(file: ReceivedFile): Promise<void>;
}

const TEXT_FIELDS = [
  'name',
  'format',
  'pool',
  'config',
  'public',
  'allowSignatureChange',
  'dryRun',
] as const;

/** The largest text field (`config` carries snippets and requirements). */
const MAX_FIELD_BYTES = 1024 * 1024;
/** Parts a publish form may have: the file, its seven fields, and room for 16 fields it ignores. */
const MAX_PARTS = 24;
/** What a form may carry besides the file: its fields and every part's headers. */
const MAX_FORM_OVERHEAD = MAX_PARTS * (MAX_FIELD_BYTES + 16 * 1024);

/**
 * Reads the multipart publish form as it arrives: the `file` part streams into the artifact
 * store (hashed and counted there, 413 past `maxUploadBytes`), the text fields are kept, and
 * nothing grows with the file's size. Whatever fails, no temporary file stays behind.
 */
export async function readPublishForm(
  request: Request,
  opts: { sink: UploadSink; maxUploadBytes: number },
): Promise<PublishForm> {
  const { fields, files } = await readUploadForm(request, {
    ...opts,
    fileFields: ['file'],
    textFields: TEXT_FIELDS,
  });
  return { ...fields, file: files.file };
}

/**
 * Reads a multipart form of files and text fields as it arrives, each file part streaming into
 * the artifact store (the whole body within `maxUploadBytes` and the form's overhead). A file
 * field sent twice is a 400; whatever fails, no temporary file stays behind.
 */
export async function readUploadForm<F extends string, T extends string>(
  request: Request,
  {
    sink,
    maxUploadBytes,
    fileFields,
    textFields,
  }: {
    sink: UploadSink;
    maxUploadBytes: number;
    fileFields: readonly F[];
    textFields: readonly T[];
  },
): Promise<{ fields: Partial<Record<T, string>>; files: Partial<Record<F, ReceivedFile>> }> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type))
    throw new UnsupportedMediaTypeError(
      `expected a multipart/form-data body (got ${type.split(';')[0] || 'no Content-Type'}); send the file with curl -F file=@model.onnx -F name=…`,
    );
  const maxBody = maxUploadBytes + MAX_FORM_OVERHEAD;
  const declared = Number(request.headers.get('content-length'));
  if (declared > maxBody)
    throw new TooLargeError(
      `upload is ${declared} bytes, over the limit of ${maxUploadBytes} bytes (SLIPWAY_MAX_UPLOAD_BYTES)`,
    );
  if (!request.body) throw new InvalidInputError('file: the request has no body', 'file');

  let busboy;
  try {
    busboy = Busboy({
      headers: { 'content-type': type },
      // The file fields are files whatever their headers say; every other part is text.
      isPartAFile: (field) =>
        field !== undefined && (fileFields as readonly string[]).includes(field),
      limits: { fieldSize: MAX_FIELD_BYTES, parts: MAX_PARTS, headerPairs: 100 },
    });
  } catch (err) {
    throw new InvalidInputError(`expected a multipart/form-data body: ${(err as Error).message}`);
  }

  const abort = new AbortController();
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    abort.abort(err);
    // Its reader (the store) sees the stream end early and removes the partial file.
    if (part && !part.readableEnded) part.destroy();
  };
  const fields: Partial<Record<T, string>> = {};
  const received = new Map<F, Promise<ReceivedFile | undefined>>();
  let part: BusboyFileStream | undefined;

  busboy.on('file', (field, stream, filename) => {
    // busboy also reports a broken body on the file's stream, possibly after its reader is
    // gone; the same failure reaches the pipeline below, which is where it is handled.
    stream.on('error', () => {});
    if (received.has(field as F)) {
      stream.resume();
      return fail(new InvalidInputError(`${field}: send one file per field`, field));
    }
    part = stream;
    received.set(
      field as F,
      sink
        .receive(stream, { maxBytes: maxUploadBytes, filename: filename || undefined })
        .catch((err: unknown) => {
          fail(err);
          return undefined;
        }),
    );
  });
  busboy.on('field', (field, value, _fieldTruncated, valueTruncated) => {
    if (valueTruncated)
      return fail(new TooLargeError(`${field}: over the limit of ${MAX_FIELD_BYTES} bytes`));
    if ((textFields as readonly string[]).includes(field)) fields[field as T] = value;
  });
  busboy.on('partsLimit', () =>
    fail(new TooLargeError(`the form has more than ${MAX_PARTS} parts`)),
  );

  try {
    await pipeline(
      Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>),
      byteLimit(
        maxBody,
        `upload is over the limit of ${maxUploadBytes} bytes (SLIPWAY_MAX_UPLOAD_BYTES)`,
      ),
      busboy,
      { signal: abort.signal },
    );
  } catch (err) {
    fail(
      err instanceof SlipwayError
        ? err
        : new InvalidInputError(`the multipart body cannot be read: ${(err as Error).message}`),
    );
  }
  // Also after a failure: the temporary files are gone before the answer goes.
  const files: Partial<Record<F, ReceivedFile>> = {};
  for (const [field, file] of received) {
    const got = await file;
    if (got) files[field] = got;
  }
  if (failure !== undefined) {
    for (const f of Object.values<ReceivedFile | undefined>(files)) if (f) await sink.discard(f);
    throw failure;
  }
  return { fields, files };
}

/** Passes bytes through until more than `max` have come, then fails with 413. */
function byteLimit(max: number, message: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.byteLength;
      if (seen > max) return done(new TooLargeError(message));
      done(null, chunk);
    },
  });
}
