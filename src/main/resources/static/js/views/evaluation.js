// #/evaluations/{id}: an evaluation's report: summary with and without the prompt, the confusion-matrix heatmap,
// the reliability diagram, the per-class table and the misclassified examples as thumbnails.
import { getBlob, getJson, postJson, stream } from '../api.js';
import { ACTIVE, el, errorBox, fill, isAbort, objectUrls, percent, progressBar, shortId, statusBadge } from '../ui.js';

const ERRORS_SHOWN = 12;

export function render(root, [id], signal) {
  const status = el('div', { id: 'evaluation-status' }, 'Loading the evaluation…');
  const summary = el('div', { id: 'evaluation-summary' });
  const charts = el('div', { class: 'evaluation-charts', id: 'evaluation-charts' });
  const perClass = el('div', { id: 'evaluation-per-class' });
  const mistakes = el('div', { class: 'examples', id: 'evaluation-errors' });
  fill(root,
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/prompts' }, '← Prompts')),
    el('h1', {}, 'Evaluation ', el('code', {}, shortId(id))),
    status, summary, charts,
    el('section', { 'aria-labelledby': 'per-class-heading' },
      el('h2', { id: 'per-class-heading' }, 'Per class'), perClass),
    el('section', { 'aria-labelledby': 'errors-heading' },
      el('h2', { id: 'errors-heading' }, 'Most confident mistakes'), mistakes));
  const url = objectUrls(signal);

  // the state once, then, while the evaluation is queued or running, its event stream (each 'progress' event is the
  // evaluation as GET returns it), instead of polling
  let finished = false;
  const finish = (evaluation) => {
    if (finished) return;
    finished = true;
    root.dataset.status = evaluation.status;
    if (evaluation.status === 'succeeded') {
      showReport(evaluation.report);
      showCharts();
      showErrors();
    }
  };
  const reload = () => getJson(`v1/evaluations/${id}`, { signal }).then((evaluation) => {
    showStatus(evaluation);
    if (!ACTIVE.has(evaluation.status)) finish(evaluation);
    return evaluation;
  });
  reload().then((evaluation) => {
    if (!ACTIVE.has(evaluation.status)) return;
    const live = stream(`v1/evaluations/${id}/events`, {
      onEvent(name, data) {
        if (name !== 'progress') return;
        const current = JSON.parse(data);
        showStatus(current);
        if (!ACTIVE.has(current.status)) finish(current);
      },
      onEnd() {
        if (!finished) reload().catch((err) => { if (!isAbort(err)) fill(status, errorBox(err, 'Could not load the evaluation')); });
      },
      onError(err, willRetry) {
        if (!willRetry) fill(status, errorBox(err, 'Live updates unavailable'));
      },
    });
    signal.addEventListener('abort', () => live.close());
  }).catch((err) => {
    if (!isAbort(err)) fill(status, errorBox(err, 'Could not load the evaluation'));
  });

  function showStatus(e) {
    const subject = e.prompt_id
      ? el('a', { href: `#/prompts/${e.prompt_id}` }, 'prompt ', el('code', {}, shortId(e.prompt_id)))
      : `model ${e.model}`;
    fill(status, el('p', {}, statusBadge(e.status), ' ', subject, ` on the ${e.split} split of dataset `,
      el('code', {}, shortId(e.dataset_id)),
      ACTIVE.has(e.status) ? el('button', { type: 'button', class: 'secondary small', id: 'cancel-evaluation',
        onclick: () => postJson(`v1/evaluations/${id}/cancel`, null, { signal }).catch(() => {}) }, 'Cancel') : null),
    ACTIVE.has(e.status) && e.progress.percent !== undefined
      ? progressBar('evaluation-progress', e.progress.percent / 100, `${e.progress.images} of ${e.progress.total_images} images`)
      : null,
    e.error ? errorBox(new Error(e.error), `Failed (${e.error_code})`) : null);
  }

  function pair(p) {
    return p.with_prompt !== undefined
      ? [el('td', { class: 'number' }, percent(p.with_prompt)), el('td', { class: 'number' }, percent(p.without_prompt)),
        el('td', { class: 'number' }, p.difference === null || p.difference === undefined ? '–'
          : `${p.difference >= 0 ? '+' : ''}${(p.difference * 100).toFixed(1)} pt`)]
      : [el('td', { class: 'number' }, percent(p.without_prompt))];
  }

  function showReport(report) {
    const prompted = report.summary.accuracy.with_prompt !== undefined;
    const head = prompted ? ['', 'with prompt', 'without', 'difference'] : ['', 'bare model'];
    const rows = [['Accuracy', 'accuracy'], ['Top-' + report.top_k + ' accuracy', 'top5_accuracy'],
      ['Macro F1', 'macro_f1'], ['Expected calibration error', 'expected_calibration_error'],
      ['Mean confidence', 'mean_confidence']];
    fill(summary, el('table', { class: 'numbers', id: 'evaluation-summary-table' },
      el('caption', {}, `${report.examples} images`),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map(([label, key]) => el('tr', {}, el('th', { scope: 'row' }, label),
        ...pair(report.summary[key]))))));
    const classHead = prompted
      ? ['class', 'support', 'precision', 'without', 'Δ', 'recall', 'without', 'Δ', 'F1', 'without', 'Δ']
      : ['class', 'support', 'precision', 'recall', 'F1'];
    fill(perClass, el('table', { class: 'numbers', id: 'per-class-table' },
      el('thead', {}, el('tr', {}, classHead.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, report.per_class.map((row) => el('tr', {},
        el('th', { scope: 'row' }, row.class_name), el('td', { class: 'number' }, String(row.support)),
        ...pair(row.precision), ...pair(row.recall), ...pair(row.f1))))));
  }

  function chart(path, alt, imgId) {
    const img = el('img', { id: imgId, alt });
    getBlob(path, 'image/png', { signal }).then(({ blob }) => { img.src = url(blob); })
      .catch((err) => { if (!isAbort(err)) img.replaceWith(errorBox(err)); });
    return el('figure', { class: 'panel' }, img, el('figcaption', {}, alt));
  }

  function showCharts() {
    fill(charts,
      chart(`v1/evaluations/${id}/confusion-matrix`, 'Confusion matrix (rows: true class, columns: predicted)',
        'confusion-matrix'),
      chart(`v1/evaluations/${id}/reliability-diagram`, 'Reliability diagram (15 confidence bins)',
        'reliability-diagram'));
  }

  async function showErrors() {
    let page;
    try {
      page = await getJson(`v1/evaluations/${id}/errors?limit=${ERRORS_SHOWN}`, { signal });
    } catch (err) {
      if (!isAbort(err)) fill(mistakes, errorBox(err, 'Could not load the mistakes'));
      return;
    }
    if (page.data.length === 0) {
      fill(mistakes, el('p', { class: 'muted' }, 'No image was misclassified.'));
      return;
    }
    fill(mistakes, page.data.map((m) => {
      const img = el('img', { class: 'pixelated', width: 84, height: 84,
        alt: `A ${m.true_class} taken for a ${m.predicted_class}` });
      getBlob(m.image_url.replace(/^\//, ''), 'image/png', { signal }).then(({ blob }) => { img.src = url(blob); })
        .catch(() => img.replaceWith(el('span', { class: 'muted' }, 'image unavailable')));
      return el('figure', { class: 'example mistake' }, img, el('figcaption', {},
        `${m.true_class} → ${m.predicted_class} (${percent(m.confidence)})`));
    }));
  }
}

/** The form on a prompt's page: evaluate it on one of the caller's datasets. */
export function evaluateForm(promptId, signal) {
  const select = el('select', { id: 'evaluate-dataset', name: 'dataset_id', required: true });
  const split = el('select', { id: 'evaluate-split', name: 'split' },
    ['test', 'val', 'train', 'all'].map((s) => el('option', { value: s }, s)));
  const message = el('p', { class: 'muted', id: 'evaluate-message' });
  getJson('v1/datasets?limit=100', { signal }).then((page) => {
    fill(select, page.data.map((d) => el('option', { value: d.id }, `${d.name} (${shortId(d.id)})`)));
  }).catch((err) => { if (!isAbort(err)) fill(message, errorBox(err, 'Could not list the datasets')); });
  const form = el('form', { class: 'inline-form', id: 'evaluate-form' },
    el('label', {}, 'Dataset ', select), ' ', el('label', {}, 'Split ', split), ' ',
    el('button', { type: 'submit', id: 'evaluate-button' }, 'Evaluate'), message);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const created = await postJson('v1/evaluations', { prompt_id: promptId, dataset_id: select.value, split: split.value },
        { signal });
      location.hash = `#/evaluations/${created.id}`;
    } catch (err) {
      if (!isAbort(err)) fill(message, errorBox(err, 'Could not start the evaluation'));
    }
  });
  return el('section', { class: 'panel', 'aria-labelledby': 'evaluate-heading' },
    el('h2', { id: 'evaluate-heading' }, 'Evaluate on a dataset'),
    el('p', { class: 'muted' }, 'With and without the prompt, per class; classes are matched by name.'), form);
}
