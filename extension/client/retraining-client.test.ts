import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import type { SeenRequest } from '../testing/monitoring.js';
import {
  executedNotebook,
  retrainingFetch,
  retrainRun,
  RUN_ID,
  timeline,
  trainer,
  type RetrainingState,
} from '../testing/retraining.js';
import { GatewayRequestError } from './errors.js';
import { GatewayClient } from './gateway-client.js';
import type { Uploader } from './upload.js';

const trans = nullTranslator.load('slipway');

function setup(over: Partial<RetrainingState> = {}) {
  const seen: SeenRequest[] = [];
  const state: RetrainingState = { runs: [retrainRun()], trainer, timeline: timeline(), ...over };
  const uploads: { url: string; method?: string; form: FormData }[] = [];
  const upload: Uploader = async ({ url, method, body }) => {
    uploads.push({ url, method, form: body as FormData });
    return { status: 200, body: JSON.stringify(trainer) };
  };
  const client = new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: retrainingFetch(state, seen), upload },
  );
  const sent = () => seen.map((s) => `${s.method} ${s.path}${s.body ? ` ${s.body}` : ''}`);
  return { api: client.retraining, seen, sent, uploads, state };
}

describe('the retraining client', () => {
  it('moves versions along their routes, with the token', async () => {
    const { api, seen, sent } = setup();
    expect((await api.versions('iris')).versions.map((v) => v.state)).toEqual([
      'canary',
      'candidate',
      'live',
      'previous',
    ]);
    await api.promote('iris', 3);
    await api.retire('iris', 1);
    await api.startCanary('iris', 3, 25);
    await api.startCanary('iris', 3);
    await api.rollBackCanary('iris');
    await api.setShadow('iris', 3);
    await api.clearShadow('iris');
    expect(sent()).toEqual([
      'GET /api/deployments/iris/versions',
      'POST /api/deployments/iris/versions/3/promote',
      'POST /api/deployments/iris/versions/1/retire',
      'POST /api/deployments/iris/versions/3/canary {"percent":25}',
      'POST /api/deployments/iris/versions/3/canary {}',
      'DELETE /api/deployments/iris/canary',
      'PUT /api/deployments/iris/shadow {"version":3}',
      'DELETE /api/deployments/iris/shadow',
    ]);
    expect(seen.every((s) => s.headers.authorization === 'Bearer t')).toBe(true);
  });

  it('starts, lists, cancels runs and reads a run notebook', async () => {
    const { api, sent, seen } = setup();
    const run = await api.retrain('iris');
    expect(run.status).toBe('running');
    expect(seen[0]!.headers['x-slipway-trigger']).toBeUndefined();
    expect((await api.runs('iris')).map((r) => r.id)).toEqual(['new-run', RUN_ID]);
    expect((await api.cancelRun('iris', 'new-run')).status).toBe('cancelled');
    expect(await api.runNotebook('iris', RUN_ID)).toEqual(executedNotebook);
    expect(sent()).toEqual([
      'POST /api/deployments/iris/retrain {}',
      'GET /api/deployments/iris/retrain-runs',
      'POST /api/deployments/iris/retrain-runs/new-run/cancel',
      `GET /api/deployments/iris/retrain-runs/${RUN_ID}/notebook`,
    ]);
  });

  it('marks a run started by a person with the trigger header', async () => {
    const { api, seen } = setup();
    await api.retrain('iris', { windowHours: 24 }, { byButton: true });
    expect(seen[0]).toMatchObject({
      body: '{"windowHours":24}',
      headers: { 'x-slipway-trigger': 'button', authorization: 'Bearer t' },
    });
  });

  it("says a run is already under way in the gateway's words (409)", async () => {
    const { api } = setup({ busy: true });
    const err = await api.retrain('iris').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ status: 409, code: 'already_running' });
    expect((err as Error).message).toBe('a retraining run of iris is under way');
  });

  it('reads no trainer as null, and uploads one as a multipart PUT', async () => {
    expect(await setup({ trainer: null }).api.trainer('iris')).toBeNull();
    const { api, uploads } = setup();
    expect(await api.trainer('iris')).toEqual(trainer);
    const info = await api.setTrainer('iris', {
      notebook: new Blob(['{}']),
      filename: 'train.ipynb',
      trainingFile: { file: new Blob(['a,b\n1,2\n']), filename: 'train.csv' },
    });
    expect(info).toEqual(trainer);
    const [sent] = uploads;
    expect(sent).toMatchObject({
      url: 'http://gw.test/api/deployments/iris/trainer',
      method: 'PUT',
    });
    expect((sent!.form.get('file') as File).name).toBe('train.ipynb');
    expect((sent!.form.get('training_file') as File).name).toBe('train.csv');
    expect(await (sent!.form.get('training_file') as File).text()).toBe('a,b\n1,2\n');
  });
});
