// #/jobs/{id}: a job's status, live training curves, events, and zero-shot vs prompted test accuracy.
import { getJson, request, stream } from '../api.js';
import { ACTIVE, announce, dateTime, duration, el, errorBox, fill, isAbort, percent, shortId,
  statusBadge } from '../ui.js';
import { lineChart } from './charts.js';

export function render(root, [id], signal) {
  const status = el('span', { id: 'job-status' });
  const phase = el('span', { class: 'muted', id: 'job-phase' });
  const progress = el('progress', { id: 'job-progress', max: 100, value: 0, 'aria-label': 'Training progress' });
  const progressText = el('span', { id: 'job-progress-text', class: 'muted' });
  const cancel = el('button', { type: 'button', class: 'danger', id: 'job-cancel', hidden: true }, 'Cancel job');
  const meta = el('dl', { class: 'meta', id: 'job-meta' });
  const results = el('section', { id: 'job-results', class: 'panel', 'aria-labelledby': 'results-heading', hidden: true });
  const error = el('div', { id: 'job-error' });
  const events = el('ol', { id: 'job-events', class: 'events' });
  const streamState = el('p', { class: 'muted small', id: 'stream-state' }, 'Connecting to live updates…');
  const metricsTable = el('tbody', {});

  const lossCanvas = el('canvas', { id: 'chart-loss', role: 'img', 'aria-label': 'Training loss per epoch' });
  const accCanvas = el('canvas', { id: 'chart-accuracy', role: 'img',
    'aria-label': 'Train and validation accuracy per epoch' });
  const lrCanvas = el('canvas', { id: 'chart-lr', role: 'img', 'aria-label': 'Learning rate per epoch' });

  fill(root,
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/jobs' }, '← Training jobs')),
    el('h1', {}, 'Training job ', el('code', {}, shortId(id))),
    el('div', { class: 'panel status-panel' },
      el('div', { class: 'status-line', 'aria-live': 'polite' }, status, ' ', phase),
      el('div', { class: 'progress-row' }, progress, progressText),
      el('div', { class: 'actions' }, cancel),
      error,
      meta),
    results,
    el('section', { 'aria-labelledby': 'curves-heading' },
      el('h2', { id: 'curves-heading' }, 'Training curves'),
      el('div', { class: 'charts' },
        el('figure', { class: 'chart panel' }, el('figcaption', {}, 'Loss'), el('div', { class: 'chart-box' }, lossCanvas)),
        el('figure', { class: 'chart panel' }, el('figcaption', {}, 'Accuracy'), el('div', { class: 'chart-box' }, accCanvas)),
        el('figure', { class: 'chart panel' }, el('figcaption', {}, 'Learning rate'), el('div', { class: 'chart-box' }, lrCanvas))),
      el('details', {},
        el('summary', {}, 'Metrics as a table'),
        el('div', { class: 'table-wrap' }, el('table', { class: 'compact', id: 'metrics-table' },
          el('caption', { class: 'sr-only' }, 'Per-epoch metrics'),
          el('thead', {}, el('tr', {}, ['Epoch', 'Train loss', 'Train accuracy', 'Validation accuracy', 'Learning rate',
            'Images/s'].map((h) => el('th', { scope: 'col' }, h)))),
          metricsTable)))),
    el('section', { 'aria-labelledby': 'events-heading' },
      el('h2', { id: 'events-heading' }, 'Events'),
      streamState,
      events));

  const pct = (v) => (v === null || v === undefined ? null : v * 100);
  const loss = lineChart(lossCanvas, [{ label: 'Train loss', color: '#b3261e' }], { yTitle: 'loss' });
  const acc = lineChart(accCanvas, [
    { label: 'Train accuracy', color: '#0b57d0' },
    { label: 'Validation accuracy', color: '#146c2e', dash: [6, 3] }], { yTitle: '%', min: 0, max: 100 });
  const lr = lineChart(lrCanvas, [{ label: 'Learning rate', color: '#7c4dff' }], { yTitle: 'lr' });
  signal.addEventListener('abort', () => [loss, acc, lr].forEach((c) => c.destroy()));

  const epochs = new Map();
  function addMetrics(list) {
    let added = false;
    for (const m of list) {
      if (!epochs.has(m.epoch)) {
        epochs.set(m.epoch, m);
        added = true;
      }
    }
    if (!added) return;
    const rows = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    const labels = rows.map((m) => m.epoch);
    loss.set(labels, [rows.map((m) => m.train_loss)]);
    acc.set(labels, [rows.map((m) => pct(m.train_accuracy)), rows.map((m) => pct(m.validation_accuracy))]);
    lr.set(labels, [rows.map((m) => m.learning_rate)]);
    fill(metricsTable, rows.map((m) => el('tr', {},
      el('th', { scope: 'row' }, m.epoch), el('td', {}, m.train_loss.toFixed(4)), el('td', {}, percent(m.train_accuracy)),
      el('td', {}, percent(m.validation_accuracy)), el('td', {}, m.learning_rate.toPrecision(4)),
      el('td', {}, Math.round(m.images_per_second)))));
  }

  let metricsLoading = null;
  async function loadMetrics() {
    if (metricsLoading) return metricsLoading;
    metricsLoading = getJson(`v1/training-jobs/${id}/metrics`, { signal })
      .then((page) => addMetrics(page.data))
      .catch((err) => { if (!isAbort(err)) announce(`Could not load metrics: ${err.message}`); })
      .finally(() => { metricsLoading = null; });
    return metricsLoading;
  }

  let lastStatus = null;
  function showJob(job) {
    const p = job.progress || {};
    const value = p.percent ?? (job.status === 'succeeded' ? 100 : 0);
    fill(status, statusBadge(job.status));
    root.dataset.status = job.status;
    phase.textContent = job.phase && job.phase !== job.status ? `· ${job.phase}` : '';
    progress.value = value;
    const eta = job.status === 'running' && p.eta_seconds !== undefined && p.eta_seconds !== null
      ? ` · about ${duration(p.eta_seconds)} left` : '';
    progressText.textContent = `${Number(value).toFixed(1)}% · epoch ${p.epoch ?? 0} of ${p.epochs ?? '?'} · step ${p.step ?? 0}${p.total_steps ? ` of ${p.total_steps}` : ''}${eta}`;
    cancel.hidden = !(job.status === 'queued' || job.status === 'running');
    fill(error, job.error ? el('div', { class: 'notice error', role: 'alert' }, job.error) : null);
    if (lastStatus && lastStatus !== job.status) {
      announce(`Job ${shortId(id)} is ${job.status}`);
    }
    lastStatus = job.status;
    showMeta(job);
    showResults(job);
    if (job.metrics && !epochs.has(job.metrics.epoch)) {
      const latest = Math.max(0, ...epochs.keys());
      if (job.metrics.epoch === latest + 1) {
        addMetrics([job.metrics]);
      } else {
        loadMetrics();
      }
    }
  }

  // re-rendered only when they change, so focus (on a link in them) survives live updates
  let metaKey = null;
  let resultsKey = null;

  function showMeta(job) {
    const key = JSON.stringify([job.model, job.dataset_id, job.prompt, job.output, job.hyperparameters, job.finished_at,
      job.attempt]);
    if (key === metaKey) return;
    metaKey = key;
    const h = job.hyperparameters || {};
    const pr = job.prompt || {};
    const out = job.output || {};
    const item = (term, ...value) => [el('dt', {}, term), el('dd', {}, ...value)];
    fill(meta,
      item('Model', job.model),
      item('Dataset', el('a', { href: '#/datasets', dataset: { dataset: job.dataset_id } },
        datasetName || shortId(job.dataset_id))),
      item('Prompt', `${pr.template}, ${pr.size} px, ${pr.placement}`),
      item('Output', out.label_mapping ? `label mapping ${out.label_mapping}` : (out.text_templates || []).join(' | ')),
      item('Hyperparameters', `${h.optimizer}, lr ${h.learning_rate}, momentum ${h.momentum}, batch ${h.batch_size}, ` +
        `${h.epochs} epochs, warm-up ${h.warmup_steps} steps, weight decay ${h.weight_decay}, seed ${h.seed}`),
      item('Created', dateTime(job.created_at)),
      job.finished_at ? item('Finished', dateTime(job.finished_at)) : null,
      item('Attempt', `${job.attempt} of ${job.max_attempts}`));
  }

  function showResults(job) {
    const r = job.result;
    if (!r) {
      results.hidden = true;
      return;
    }
    const key = JSON.stringify(r);
    if (key === resultsKey) return;
    resultsKey = key;
    results.hidden = false;
    const bar = (value, cls) => el('div', { class: `meter ${cls}`, 'aria-hidden': 'true' },
      el('span', { style: `width:${Math.max(0, Math.min(100, (value || 0) * 100))}%` }));
    // With a learned label mapping (frequency, iterative) the bare model and the mapping alone are two baselines.
    const mappingOnly = r.mapping_only_test_accuracy ?? r.zero_shot_test_accuracy;
    const learnedMapping = typeof r.baseline_test_accuracy === 'number' && r.baseline_test_accuracy !== mappingOnly;
    const bareMapping = job.output?.label_mapping === 'by_name' ? 'classes mapped by name' : 'identity label mapping';
    const stat = (id, label, value, cls) => el('div', { class: 'stat', id },
      el('p', { class: 'stat-label' }, label),
      el('p', { class: 'stat-value', id: `${id}-value`, dataset: { value } }, percent(value)),
      bar(value, cls));
    const points = (gain) => (typeof gain === 'number' ? `${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(1)} pt` : '–');
    fill(results,
      el('h2', { id: 'results-heading' }, 'Test accuracy'),
      el('div', { class: 'compare' },
        learnedMapping ? stat('baseline', `Bare model: no prompt, ${bareMapping}`, r.baseline_test_accuracy, 'muted-bar') : null,
        stat('zero-shot', learnedMapping ? 'Learned label mapping alone, no prompt' : 'Frozen model, no prompt',
          mappingOnly, 'muted-bar'),
        stat('prompted', 'With the learned prompt', r.prompted_test_accuracy, 'good-bar'),
        // the paper's strongest comparator, when the job asked for it (baselines: ["linear_probe"])
        typeof r.linear_probe_test_accuracy === 'number'
          ? stat('linear-probe', `Linear probe on the frozen features (C=${r.linear_probe_c})`, r.linear_probe_test_accuracy,
            'muted-bar') : null),
      learnedMapping ? el('p', { id: 'gains' },
        `The prompt with its mapping gains ${points(r.gain_over_baseline)} over the bare model, `
        + `${points(r.gain_over_mapping_only)} over the mapping alone.`) : null,
      el('p', { class: 'muted' },
        r.best_validation_accuracy !== undefined
          ? `Best validation accuracy ${percent(r.best_validation_accuracy)}${r.best_epoch ? ` at epoch ${r.best_epoch}` : ''}. ` : '',
        r.test_examples !== undefined ? `${r.test_examples} test images.` : ''),
      r.prompt_id ? el('div', { class: 'actions' },
        el('a', { class: 'button', id: 'open-prompt', href: `#/prompts/${r.prompt_id}` }, 'Open the prompt'),
        el('a', { class: 'button secondary', href: `#/classify?prompt=${r.prompt_id}` }, 'Classify with it')) : null);
  }

  const seen = new Set();
  function addEvent(e) {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    events.appendChild(el('li', { class: `event level-${e.level}`, dataset: { id: e.id, type: e.type } },
      el('time', { datetime: e.created_at }, new Date(e.created_at).toLocaleTimeString()), ' ',
      el('span', { class: 'event-type' }, e.type), ' ', e.message));
  }

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      showJob(await (await request(`v1/training-jobs/${id}/cancel`, { method: 'POST' })).json());
    } catch (err) {
      fill(error, errorBox(err, 'Cancel failed'));
    } finally {
      cancel.disabled = false;
    }
  });

  let datasetName = null;
  (async () => {
    try {
      const job = await getJson(`v1/training-jobs/${id}`, { signal });
      showJob(job);
      getJson(`v1/datasets/${job.dataset_id}`, { signal }).then((d) => {
        datasetName = d.name;
        meta.querySelectorAll('[data-dataset]').forEach((a) => { a.textContent = d.name; });
      }).catch(() => {});
      await loadMetrics();
    } catch (err) {
      if (!isAbort(err)) fill(error, errorBox(err, 'Could not load the job'));
      return;
    }
    // live: event rows, the job as it changes, and an end event (Server-Sent Events)
    const live = stream(`v1/training-jobs/${id}/events`, {
      onEvent(name, data) {
        const body = JSON.parse(data);
        if (name === 'event') {
          addEvent(body);
        } else if (name === 'progress') {
          streamState.textContent = ACTIVE.has(body.status) ? 'Live: updates as the job runs.' : '';
          showJob(body);
        } else if (name === 'end') {
          streamState.textContent = `The job is ${body.status}.`;
          loadMetrics();
        }
      },
      onError(err, willRetry) {
        streamState.textContent = willRetry ? `Live updates interrupted (${err.message}); reconnecting…`
          : `Live updates unavailable: ${err.message}`;
      },
    });
    signal.addEventListener('abort', () => live.close());
  })();
}
