// The batch benchmark's models and input files. A file is written streamed, a block of rows at a
// time (never whole in memory): an `id` column, the model's inputs as a user's CSV holds them,
// and, for the memory run, a wide text column the model does not take.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { benchRows } from '../pmml/rows.mjs';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const HOUSES = ['area', 'rooms', 'year', 'district'];

/** The two models of the issue, each with the file it deploys and how its CSV is laid out. */
export const MODELS = {
  iris: {
    label: 'iris, ONNX',
    about:
      '`classifier_zipmap.onnx`: StandardScaler + LogisticRegression on iris (skl2onnx, ZipMap); one input `X` of 4 floats, a CSV cell holding a JSON list `"[5.1,3.5,1.4,0.2]"`',
    artifact: `${fixtures}onnx/classifier_zipmap.onnx`,
    filename: 'iris.onnx',
    header: ['id', 'X'],
    draw: { fields: IRIS, dataset: 'iris' },
    // One quoted cell holding the four measurements as a JSON list.
    cells: (v) => [`"[${v.join(',')}]"`],
  },
  gbm: {
    label: 'GBM 100 trees, PMML',
    about:
      '`s2p_gbm_regressor_100.pmml`: GradientBoostingRegressor, 100 trees of depth 3, behind imputers, scaler and one-hot (sklearn2pmml); columns `area,rooms,year,district`, about 8 % of `year` and `district` empty',
    artifact: `${fixtures}pmml/s2p_gbm_regressor_100.pmml`,
    filename: 'gbm.pmml',
    header: ['id', ...HOUSES],
    draw: { fields: HOUSES, dataset: 'houses' },
    cells: (v) => v.map((x) => (x === null ? '' : String(x))),
  },
};

const BLOCK = 10_000;

/**
 * Writes `rows` rows for `model` to `path` (with `minBytes`, as many more blocks as the file
 * takes to reach that size); with `padBytes`, each row also carries a `notes` column of that
 * many characters. Rows are drawn as bench/pmml/rows.mjs draws them, a seeded block at a time.
 * Answers the file's size in bytes and its rows.
 */
export async function writeInput(path, model, rows, { padBytes = 0, minBytes = 0 } = {}) {
  const out = createWriteStream(path);
  const pad = padBytes > 0 ? `,${'x'.repeat(padBytes)}` : '';
  let bytes = 0;
  const put = async (text) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await put(`${[...model.header, ...(padBytes > 0 ? ['notes'] : [])].join(',')}\n`);
  let written = 0;
  for (let block = 0; written < rows || bytes < minBytes; block++) {
    const n = written < rows ? Math.min(BLOCK, rows - written) : BLOCK;
    const values = benchRows({ ...model.draw, fixtureRecords: [], n, seed: 1000 + block });
    let text = '';
    for (let i = 0; i < n; i++)
      text += `r${written + i + 1},${model.cells(values[i]).join(',')}${pad}\n`;
    await put(text);
    written += n;
  }
  out.end();
  await once(out, 'finish');
  return { bytes, rows: written };
}
