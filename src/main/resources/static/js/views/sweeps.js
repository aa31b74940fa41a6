// #/sweeps: hyperparameter sweeps, newest first, with their progress and the compute they used.
import { getJson } from '../api.js';
import { dateTime, el, errorBox, fill, isAbort, percent, shortId, statusBadge } from '../ui.js';

export function render(root, params, signal) {
  const list = el('div', { id: 'sweep-list', 'aria-busy': 'true' });
  fill(root,
    el('h1', {}, 'Sweeps'),
    el('p', { class: 'lead' },
      'A sweep trains many jobs with different prompt sizes, templates, label mappings and learning rates, and keeps the best. ',
      'Start one with ', el('code', {}, 'POST /v1/sweeps'), ' (see the API reference).'),
    list);

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const page = await getJson('v1/sweeps?limit=50', { signal });
      fill(list, page.data.length ? table(page.data) : el('p', { class: 'muted' }, 'No sweeps yet.'));
      list.setAttribute('aria-busy', 'false');
      timer = setTimeout(refresh, page.data.some((s) => s.status === 'running') ? 2000 : 10000);
    } catch (err) {
      if (!isAbort(err)) fill(list, errorBox(err, 'Could not list sweeps'));
    }
  }
  signal.addEventListener('abort', () => clearTimeout(timer));

  function table(sweeps) {
    return el('div', { class: 'table-wrap' }, el('table', {},
      el('caption', { class: 'sr-only' }, 'Sweeps, newest first'),
      el('thead', {}, el('tr', {}, ['Sweep', 'Status', 'Model', 'Strategy', 'Trials', 'Best validation', 'Epochs used',
        'Created'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, sweeps.map((s) => el('tr', { dataset: { id: s.id } },
        el('th', { scope: 'row' }, el('a', { href: `#/sweeps/${s.id}` }, el('code', {}, shortId(s.id)))),
        el('td', {}, statusBadge(s.status)),
        el('td', {}, s.model),
        el('td', {}, s.strategy),
        el('td', {}, `${s.progress.succeeded + s.progress.stopped} done · ${s.progress.running} running · ${s.progress.trials} planned`),
        el('td', {}, s.best ? percent(s.best.best_validation_accuracy) : '–'),
        el('td', {}, `${s.compute.epochs_used} of ${s.compute.full_run_epochs}`),
        el('td', {}, dateTime(s.created_at)))))));
  }

  refresh();
}


