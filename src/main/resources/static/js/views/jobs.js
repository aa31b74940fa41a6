// #/jobs: start a training job (blank fields take the paper's defaults) and follow the list of jobs.
import { getJson, postJson, request } from '../api.js';
import { ACTIVE, announce, dateTime, duration, el, errorBox, fill, hashQuery, isAbort, notice, shortId,
  statusBadge } from '../ui.js';

export function render(root, params, signal) {
  const query = hashQuery();
  const formBox = el('div', { id: 'job-form-box' }, el('p', { class: 'muted' }, 'Loading datasets and models…'));
  const list = el('div', { id: 'job-list', 'aria-busy': 'true' });
  const filter = el('select', { id: 'job-filter' }, el('option', { value: '' }, 'All'));
  // one request for the form's defaults and the filter's statuses: the API's lists are their one copy
  const defaults = getJson('v1/training-jobs/defaults', { signal });
  defaults.then((d) => filter.append(...d.statuses.map((s) => el('option', { value: s }, s)))).catch(() => {});
  fill(root,
    el('h1', {}, 'Training jobs'),
    el('p', { class: 'lead' },
      'Each job learns one visual prompt for a dataset on a frozen model; the model itself never changes.'),
    formBox,
    el('section', { 'aria-labelledby': 'jobs-heading' },
      el('div', { class: 'section-head' },
        el('h2', { id: 'jobs-heading' }, 'Jobs'),
        el('div', { class: 'field inline' }, el('label', { for: 'job-filter' }, 'Status'), filter)),
      list));

  buildForm(formBox, query.get('dataset'), defaults, signal);

  let timer = null;
  let known = new Map();
  const datasetNames = new Map();
  async function refresh() {
    clearTimeout(timer);
    try {
      const status = filter.value ? `&status=${filter.value}` : '';
      const page = await getJson(`v1/training-jobs?limit=50${status}`, { signal });
      for (const j of page.data) {
        if (!datasetNames.has(j.dataset_id)) {
          datasetNames.set(j.dataset_id, null);
          getJson(`v1/datasets/${j.dataset_id}`, { signal })
            .then((d) => { datasetNames.set(j.dataset_id, d.name); refreshNames(); })
            .catch(() => {});
        }
      }
      const changes = page.data.filter((j) => known.has(j.id) && known.get(j.id) !== j.status);
      changes.forEach((j) => announce(`Job ${shortId(j.id)} is ${j.status}`));
      known = new Map(page.data.map((j) => [j.id, j.status]));
      // the table is redrawn while jobs run: keep keyboard focus on the same link or button
      const focused = list.contains(document.activeElement) ? document.activeElement : null;
      const focusRow = focused?.closest('tr')?.dataset.id;
      const focusTag = focused?.tagName.toLowerCase();
      fill(list, page.data.length ? table(page.data) : el('p', { class: 'muted' }, 'No jobs yet.'));
      if (focusRow) {
        const again = list.querySelector(`tr[data-id="${focusRow}"] ${focusTag}`);
        (again || list.querySelector(`tr[data-id="${focusRow}"] a`))?.focus({ preventScroll: true });
      }
      list.setAttribute('aria-busy', 'false');
      const busy = page.data.some((j) => ACTIVE.has(j.status));
      timer = setTimeout(refresh, busy ? 1500 : 10000);
    } catch (err) {
      if (isAbort(err)) return;
      fill(list, errorBox(err, 'Could not list jobs'));
      timer = setTimeout(refresh, 10000);
    }
  }
  signal.addEventListener('abort', () => clearTimeout(timer));
  filter.addEventListener('change', refresh);

  function refreshNames() {
    for (const cell of list.querySelectorAll('[data-dataset]')) {
      const name = datasetNames.get(cell.dataset.dataset);
      if (name) cell.textContent = name;
    }
  }

  function table(jobs) {
    return el('div', { class: 'table-wrap' },
      el('table', { class: 'jobs' },
        el('caption', { class: 'sr-only' }, 'Training jobs, newest first'),
        el('thead', {}, el('tr', {},
          ['Job', 'Status', 'Progress', 'ETA', 'Model', 'Dataset', 'Created', ''].map((h, i) =>
            el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, 'Actions'))))),
        el('tbody', {}, jobs.map((j) => row(j)))));
  }

  function row(j) {
    const p = j.progress || {};
    const pct = p.percent ?? (j.status === 'succeeded' ? 100 : 0);
    const cancel = ACTIVE.has(j.status) && j.status !== 'cancelling'
      ? el('button', { type: 'button', class: 'danger small', 'aria-label': `Cancel job ${shortId(j.id)}`,
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            await request(`v1/training-jobs/${j.id}/cancel`, { method: 'POST' });
            announce(`Cancelling job ${shortId(j.id)}`);
          } catch (err) {
            announce(`Cancel failed: ${err.message}`);
          }
          refresh();
        } }, 'Cancel')
      : null;
    return el('tr', { dataset: { id: j.id, status: j.status } },
      el('td', {}, el('a', { href: `#/jobs/${j.id}` }, el('code', {}, shortId(j.id)))),
      el('td', {}, statusBadge(j.status)),
      el('td', { class: 'progress-cell' },
        el('progress', { max: 100, value: pct, 'aria-label': `Progress of job ${shortId(j.id)}` }),
        el('span', { class: 'muted small' }, ` ${pct.toFixed ? pct.toFixed(0) : pct}% · epoch ${p.epoch ?? 0}/${p.epochs ?? '?'}`)),
      el('td', {}, j.status === 'running' ? duration(p.eta_seconds) : '–'),
      el('td', {}, j.model),
      el('td', { dataset: { dataset: j.dataset_id } }, datasetNames.get(j.dataset_id) || shortId(j.dataset_id)),
      el('td', {}, dateTime(j.created_at)),
      el('td', {}, cancel));
  }

  refresh();
}

async function buildForm(box, preselectedDataset, defaultsLoad, signal) {
  let datasets;
  let models;
  let defaults; // Bahng et al.'s settings, as the API applies them when a field is left out (its one copy)
  try {
    [datasets, models, defaults] = await Promise.all([
      getJson('v1/datasets?limit=100', { signal }), getJson('v1/models', { signal }),
      defaultsLoad]);
  } catch (err) {
    if (!isAbort(err)) fill(box, errorBox(err, 'Could not load datasets, models and defaults'));
    return;
  }
  const { prompt: dp, output: dout, hyperparameters: dh } = defaults;
  if (!datasets.data.length) {
    fill(box, el('div', { class: 'panel' }, el('h2', {}, 'Start a training job'),
      notice('Upload a dataset first.'), el('a', { class: 'button', href: '#/datasets' }, 'Go to datasets')));
    return;
  }

  const hints = {};
  const field = (name, label, input, hintText) => {
    const id = `job-${name.replace(/\./g, '-').replace(/_/g, '-')}`;
    input.id = id;
    input.name = name;
    hints[name] = el('p', { class: 'hint', id: `${id}-hint` }, hintText);
    const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    return el('div', { class: 'field', dataset: { field: name } }, el('label', { for: id }, label), input, hints[name], error);
  };
  const number = (attrs) => el('input', { type: 'number', step: 'any', inputmode: 'decimal', ...attrs });
  const choice = (defaultLabel, values) => el('select', {},
    el('option', { value: '' }, `Default (${defaultLabel})`), values.map((v) => el('option', { value: v }, v)));

  const dataset = el('select', { required: true },
    datasets.data.map((d) => el('option', { value: d.id, selected: d.id === preselectedDataset },
      `${d.name} (${d.class_names.length} classes)`)));
  const model = el('select', { required: true },
    models.data.map((m) => el('option', { value: m.id }, `${m.id} (${m.kind}, ${m.input_size} px)`)));
  const template = choice(dp.template, dp.templates);
  const size = number({ min: 1, max: 4096, step: 1, inputmode: 'numeric' });
  const placement = choice(dp.placement, dp.placements);
  const mapping = choice(dout.label_mapping, dout.label_mappings);
  const textTemplates = el('input', { type: 'text', placeholder: '' });
  const epochs = number({ min: 1, max: 10000, step: 1, inputmode: 'numeric', placeholder: dh.epochs });
  const batch = number({ min: 1, max: 4096, step: 1, inputmode: 'numeric' });
  const lr = number({ min: 0, placeholder: dh.learning_rate });
  const momentum = number({ min: 0, max: 0.999, placeholder: dh.momentum });
  const weightDecay = number({ min: 0, max: 1, placeholder: dh.weight_decay });
  const warmup = number({ min: 0, step: 1, inputmode: 'numeric', placeholder: dh.warmup_steps });
  const optimizer = choice(dh.optimizer, dh.optimizers);
  const seed = number({ step: 1, inputmode: 'numeric', placeholder: dh.seed });

  const mappingField = field('output.label_mapping', 'Output label mapping', mapping,
    `Default: ${dout.label_mapping} (identity: class i → model output i); iterative = ILM-VP`);
  const templatesField = field('output.text_templates', 'Text templates', textTemplates, '');
  const submit = el('button', { type: 'submit' }, 'Start training');
  const result = el('div', { 'aria-live': 'polite' });
  const form = el('form', { id: 'job-form', class: 'panel', novalidate: true },
    el('h2', { id: 'job-form-heading' }, 'Start a training job'),
    el('p', { class: 'hint' }, 'Leave a field blank to use the default shown (Bahng et al., “Exploring Visual Prompts for Adapting Large-Scale Models”).'),
    el('div', { class: 'grid-2' },
      field('dataset_id', 'Dataset', dataset, 'Required'),
      field('model', 'Frozen model', model, 'Required')),
    el('fieldset', {}, el('legend', {}, 'Prompt'),
      el('div', { class: 'grid-3' },
        field('prompt.template', 'Template', template, `Default: ${dp.template} (padding: a frame of learnable pixels)`),
        field('prompt.size', 'Size (px)', size, ''),
        field('prompt.placement', 'Placement', placement, `Default: ${dp.placement} (normalized: added to the normalized image)`))),
    el('fieldset', {}, el('legend', {}, 'Output'),
      el('div', { class: 'grid-2' }, mappingField, templatesField)),
    el('fieldset', {}, el('legend', {}, 'Hyperparameters'),
      el('div', { class: 'grid-4' },
        field('hyperparameters.epochs', 'Epochs', epochs, `Default: ${dh.epochs}`),
        field('hyperparameters.batch_size', 'Batch size', batch, ''),
        field('hyperparameters.learning_rate', 'Learning rate', lr, `Default: the optimizer's (${Object.entries(dh.learning_rates).map(([name, rate]) => `${rate} for ${name}`).join(', ')})`),
        field('hyperparameters.momentum', 'Momentum', momentum, `Default: ${dh.momentum}`),
        field('hyperparameters.weight_decay', 'Weight decay', weightDecay, `Default: ${dh.weight_decay}`),
        field('hyperparameters.warmup_steps', 'Warm-up steps', warmup, `Default: a tenth of the job's steps, at most ${dh.warmup_steps}; then cosine decay per step`),
        field('hyperparameters.optimizer', 'Optimizer', optimizer, `Default: ${dh.optimizer}`),
        field('hyperparameters.seed', 'Seed', seed, `Default: ${dh.seed}`))),
    el('div', { class: 'actions' }, submit),
    result);
  form.setAttribute('aria-labelledby', 'job-form-heading');
  fill(box, form);

  // defaults that depend on the model (batch size, prompt size, text templates), as the API reports them
  const byId = new Map(models.data.map((m) => [m.id, m]));
  function modelChanged() {
    const m = byId.get(model.value);
    const md = defaults.models[model.value];
    if (!m || !md) return;
    const clip = m.kind === 'clip';
    size.placeholder = md.prompt_size;
    hints['prompt.size'].textContent = `Default: ${md.prompt_size} px (the paper's ${dp.paper_size} px at ${dp.paper_input_size} px, scaled to ${m.input_size} px)`;
    batch.placeholder = md.batch_size;
    hints['hyperparameters.batch_size'].textContent = `Default: ${md.batch_size} (${dh.batch_size_clip} for CLIP, ${dh.batch_size_classifier} otherwise)`;
    mappingField.hidden = clip;
    templatesField.hidden = !clip;
    const templates = md.text_templates.length ? md.text_templates : [dout.text_template];
    textTemplates.placeholder = templates.join(' | ');
    hints['output.text_templates'].textContent = `Default: the model's, ${templates.join(' | ')}. Separate several with |`;
  }
  model.addEventListener('change', modelChanged);
  modelChanged();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    fill(result);
    const m = byId.get(model.value);
    const body = { dataset_id: dataset.value, model: model.value };
    const put = (path, value) => {
      if (value === undefined) return;
      const [group, key] = path.split('.');
      body[group] = body[group] || {};
      body[group][key] = value;
    };
    const num = (input) => (input.value.trim() === '' ? undefined : Number(input.value));
    const text = (input) => (input.value === '' ? undefined : input.value);
    put('prompt.template', text(template));
    put('prompt.size', num(size));
    put('prompt.placement', text(placement));
    if (m?.kind === 'clip') {
      const t = textTemplates.value.split('|').map((s) => s.trim()).filter(Boolean);
      put('output.text_templates', t.length ? t : undefined);
    } else {
      put('output.label_mapping', text(mapping));
    }
    put('hyperparameters.epochs', num(epochs));
    put('hyperparameters.batch_size', num(batch));
    put('hyperparameters.learning_rate', num(lr));
    put('hyperparameters.momentum', num(momentum));
    put('hyperparameters.weight_decay', num(weightDecay));
    put('hyperparameters.warmup_steps', num(warmup));
    put('hyperparameters.optimizer', text(optimizer));
    put('hyperparameters.seed', num(seed));
    submit.disabled = true;
    try {
      const job = await postJson('v1/training-jobs', body, { signal });
      announce(`Job ${shortId(job.id)} queued`);
      location.hash = `#/jobs/${job.id}`;
    } catch (err) {
      if (isAbort(err)) return;
      showErrors(form, err);
      fill(result, errorBox(err, 'The job was not started'));
    } finally {
      submit.disabled = false;
    }
  });
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
  }
}

/** Puts each invalid_field error next to its input and focuses the first. */
function showErrors(form, err) {
  const errors = err.errors?.length ? err.errors : err.problem?.field ? [{ field: err.problem.field, message: err.message }] : [];
  if (!errors.length && err.code === 'invalid_field') {
    const match = /^([a-z_.]+)[:\s]/.exec(err.message || '');
    if (match) errors.push({ field: match[1], message: err.message });
  }
  let first = null;
  for (const { field, message } of errors) {
    const box = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
    if (!box) continue;
    const input = box.querySelector('input, select');
    const p = box.querySelector('.field-error');
    p.textContent = message;
    p.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    first = first || input;
  }
  first?.focus();
}
