import { showErrorMessage } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { userMessage } from '../client/errors.js';
import type { Job, Stream } from '../client/jobs-wire.js';
import {
  formatJobErrors,
  formatJobRows,
  jobDurationMs,
  jobStateLabel,
} from '../models/job-progress.js';
import {
  formatFigure,
  jobActions,
  streamAction,
  streamStateLabel,
  type JobsModel,
} from '../models/jobs-model.js';
import { formatDuration } from '../models/retraining-model.js';
import { el } from './dom.js';
import { browserDownload } from './download.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable } from './table.js';

export interface JobsTabOptions {
  model: JobsModel;
  trans: TranslationBundle;
  /** Where a downloaded file goes; the browser's downloads by default. */
  download?: (file: Blob, filename: string) => void;
  /** The time durations of running jobs are measured to. */
  now?: () => Date;
}

/**
 * The Jobs tab: the deployment's batch jobs (state, rows, errors, when, how long; their files
 * and Cancel) and its Kafka stream bindings (topics, state and why, lag, throughput, counts;
 * Pause and Resume).
 */
export class JobsTab extends MonitorPage<JobsModel> {
  private readonly download: (file: Blob, filename: string) => void;
  private readonly now: () => Date;
  private readonly noJobs = el('p', { class: 'jp-SlipwayMonitor-status', role: 'status' });
  private readonly jobs = el('tbody');
  private readonly noStreams = el('p', { class: 'jp-SlipwayMonitor-status' });
  private readonly streams = el('tbody');

  constructor({ model, trans, download, now }: JobsTabOptions) {
    super(model, trans, 'jobs', trans._p('monitor tab', 'Jobs'));
    this.download = download ?? browserDownload;
    this.now = now ?? (() => new Date());
    this.node.append(
      this.error,
      el('h3', {}, [trans.__('Batch jobs')]),
      el('p', { class: 'jp-SlipwayMonitor-help' }, [
        trans.__(
          'Score a CSV, JSON lines or Parquet file: right-click it in the file browser and choose “Score with…”.',
        ),
      ]),
      this.noJobs,
      monitorTable(
        trans.__('Batch jobs'),
        [
          trans._p('column', 'started'),
          trans._p('column', 'input'),
          trans._p('column', 'state'),
          trans._p('column', 'rows'),
          trans._p('column', 'errors'),
          trans._p('column', 'duration'),
          trans._p('column', 'actions'),
        ],
        this.jobs,
      ),
      el('h3', {}, [trans.__('Streams')]),
      this.noStreams,
      monitorTable(
        trans.__('Streams'),
        [
          trans._p('column', 'topics'),
          trans._p('column', 'state'),
          trans._p('column', 'lag'),
          trans._p('column', 'messages/s'),
          trans._p('column', 'consumed'),
          trans._p('column', 'produced'),
          trans._p('column', 'dead-lettered'),
          trans._p('column', 'actions'),
        ],
        this.streams,
      ),
    );
    this.render();
  }

  protected render(): void {
    const trans = this.trans;
    this.renderError();
    const view = this.model.value;
    if (!view) {
      this.noJobs.textContent = this.loadingText();
      this.noStreams.hidden = true;
      return;
    }
    const jobs = view.jobs ?? [];
    this.noJobs.hidden = jobs.length > 0;
    this.noJobs.textContent =
      view.jobs === null
        ? trans.__('This gateway runs no batch jobs: update it (git pull && npm start).')
        : trans.__('No batch job yet.');
    this.jobs.replaceChildren(...jobs.map((j) => this.jobRow(j)));
    this.jobs.parentElement!.hidden = jobs.length === 0;
    const streams = view.streams ?? [];
    this.noStreams.hidden = streams.length > 0;
    this.noStreams.textContent =
      view.streams === null
        ? trans.__('This gateway has no Kafka streams: update it (git pull && npm start).')
        : trans.__(
            'No stream binding: POST /api/deployments/%1/streams creates one.',
            this.model.name,
          );
    this.streams.replaceChildren(...streams.map((s) => this.streamRow(s)));
    // An empty table's header says nothing the line above does not.
    this.streams.parentElement!.hidden = streams.length === 0;
  }

  private jobRow(job: Job): HTMLTableRowElement {
    const trans = this.trans;
    const input = job.input.name;
    const button = (label: string, aria: string, onClick: () => void, warn = false) =>
      el(
        'button',
        {
          type: 'button',
          class: warn ? 'jp-mod-styled jp-mod-warn' : 'jp-mod-styled',
          'aria-label': aria,
          onClick,
        },
        [label],
      );
    const actions = jobActions(job).map((a) =>
      a === 'output'
        ? button(
            trans.__('Output'),
            trans.__('Download the output of %1', input),
            () => void this.fetchFile(job, 'output'),
          )
        : a === 'errors'
          ? button(
              trans.__('Errors'),
              trans.__('Download the errors of %1', input),
              () => void this.fetchFile(job, 'errors'),
            )
          : button(
              trans.__('Cancel'),
              trans.__('Cancel the job on %1', input),
              () => void this.cancel(job),
              true,
            ),
    );
    const started = job.startedAt ?? job.createdAt;
    return el('tr', { class: `jp-mod-${job.state}`, 'data-job': job.id, title: job.id }, [
      el('td', {}, [new Date(started).toLocaleString()]),
      el('td', {}, [el('code', {}, [input])]),
      el('td', {}, [
        el('span', { class: `jp-SlipwayJobState jp-mod-${job.state}` }, [
          jobStateLabel(job.state, trans),
        ]),
        // The gateway's own words on what went wrong: shown as they came.
        job.error ? el('div', { class: 'jp-SlipwayJob-message' }, [job.error.message]) : null,
      ]),
      el('td', {}, [formatJobRows(job, trans)]),
      el('td', {}, [formatJobErrors(job, trans)]),
      el('td', {}, [formatDuration(jobDurationMs(job, this.now()), trans)]),
      el('td', {}, [el('div', { class: 'jp-SlipwayMonitor-actions' }, actions)]),
    ]);
  }

  private streamRow(stream: Stream): HTMLTableRowElement {
    const trans = this.trans;
    const topics = stream.deadLetterTopic
      ? trans.__(
          '%1 → %2 (dead letters: %3)',
          stream.inputTopic,
          stream.outputTopic,
          stream.deadLetterTopic,
        )
      : trans.__('%1 → %2', stream.inputTopic, stream.outputTopic);
    const action = streamAction(stream.state);
    const button = el(
      'button',
      {
        type: 'button',
        class: 'jp-mod-styled',
        'aria-label':
          action === 'pause'
            ? trans.__('Pause the stream from %1', stream.inputTopic)
            : trans.__('Resume the stream from %1', stream.inputTopic),
        onClick: () => void this.toggle(stream, action),
      },
      [action === 'pause' ? trans.__('Pause') : trans.__('Resume')],
    );
    return el(
      'tr',
      { class: `jp-mod-${stream.state}`, 'data-stream': stream.id, title: stream.id },
      [
        el('td', {}, [topics]),
        el('td', {}, [
          el('span', { class: `jp-SlipwayStreamState jp-mod-${stream.state}` }, [
            streamStateLabel(stream.state, trans),
          ]),
          // Why (a broker that does not answer, a topic that does not exist): the gateway's words.
          stream.stateReason
            ? el('div', { class: 'jp-SlipwayJob-message' }, [stream.stateReason])
            : null,
        ]),
        el('td', {}, [formatFigure(stream.lag, trans)]),
        el('td', {}, [formatFigure(stream.messagesPerSecond, trans)]),
        el('td', {}, [String(stream.consumed)]),
        el('td', {}, [String(stream.produced)]),
        el('td', {}, [String(stream.deadLettered)]),
        el('td', {}, [el('div', { class: 'jp-SlipwayMonitor-actions' }, [button])]),
      ],
    );
  }

  private async fetchFile(job: Job, which: 'output' | 'errors'): Promise<void> {
    try {
      const { file, filename } = await this.model.download(job, which);
      this.download(file, filename);
    } catch (err) {
      await showErrorMessage(this.trans.__('Download failed'), userMessage(err));
    }
  }

  private async cancel(job: Job): Promise<void> {
    try {
      await this.model.cancel(job.id);
    } catch (err) {
      await showErrorMessage(this.trans.__('The job was not cancelled'), userMessage(err));
    }
  }

  private async toggle(stream: Stream, action: 'pause' | 'resume'): Promise<void> {
    try {
      await (action === 'pause' ? this.model.pause(stream.id) : this.model.resume(stream.id));
    } catch (err) {
      await showErrorMessage(
        action === 'pause'
          ? this.trans.__('The stream was not paused')
          : this.trans.__('The stream was not resumed'),
        userMessage(err),
      );
    }
  }
}
