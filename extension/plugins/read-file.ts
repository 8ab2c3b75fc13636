import type { Contents } from '@jupyterlab/services';
import type { DataContentType } from '../client/gateway-client.js';
import { blobFromContents, contentsFormatOf } from '../models/data-files.js';

/** A data file on the Jupyter server as the gateway reads it: Parquet as bytes, text as text. */
export async function readDataFile(
  contents: Contents.IManager,
  path: string,
  type: DataContentType,
): Promise<Blob> {
  const format = contentsFormatOf(type);
  const model = await contents.get(path, { content: true, type: 'file', format });
  return blobFromContents(model.content, format, type);
}
