// #/sweeps/{id}: a sweep's leaderboard, each trial's validation curve (stopped trials dashed) and the best
// validation accuracy against the learning rate and the prompt size.
import { postJson, getJson } from '../api.js';
import { announce, dateTime, el, errorBox, fill, isAbort, percent, shortId, statusBadge } from '../ui.js';

const COLORS = ['#0b57d0', '#146c2e', '#b3261e', '#7c4dff', '#b06000', '#00838f', '#c2185b', '#5f6368'];

export function render(root, [id], signal) {
  const status = el('span', { id: 'sweep-status' });
  const summary = el('p', { id: 'sweep-summary' });
  const compute = el('p', { id: 'sweep-compute', class: 'muted' });
  const best = el('div', { id: 'sweep-best' });
  const cancel = el('button', { type: 'button', class: 'danger', id: 'sweep-cancel', hidden: true }, 'Cancel sweep');
  const board = el('div', { id: 'sweep-leaderboard', 'aria-busy': 'true' });
  const curvesCanvas = el('canvas', { id: 'chart-sweep-curves', role: 'img',
    'aria-label': 'Validation accuracy per epoch of each trial' });
  const lrCanvas = el('canvas', { id: 'chart-sweep-lr', role: 'img',
    'aria-label': 'Best validation accuracy against the learning rate' });
  const sizeCanvas = el('canvas', { id: 'chart-sweep-size', role: 'img',
    'aria-label': 'Best validation accuracy against the prompt size' });
  const error = el('div', { id: 'sweep-error' });

  fill(root,
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/sweeps' }, '← Sweeps')),
    el('h1', {}, 'Sweep ', el('code', {}, shortId(id))),
    el('div', { class: 'panel status-panel' },
      el('div', { class: 'status-line', 'aria-live': 'polite' }, status),
      summary, compute, el('div', { class: 'actions' }, cancel), error),
    best,
    el('section', { 'aria-labelledby': 'sweep-curves-heading' },
      el('h2', { id: 'sweep-curves-heading' }, 'Validation curves'),
      el('div', { class: 'charts' },
        el('figure', { class: 'chart panel wide' }, el('figcaption', {}, 'Validation accuracy per epoch (dashed: stopped by ASHA)'),
          el('div', { class: 'chart-box' }, curvesCanvas)),
        el('figure', { class: 'chart panel' }, el('figcaption', {}, 'Best validation accuracy vs learning rate'),
          el('div', { class: 'chart-box' }, lrCanvas)),
        el('figure', { class: 'chart panel' }, el('figcaption', {}, 'Best validation accuracy vs prompt size'),
          el('div', { class: 'chart-box' }, sizeCanvas)))),
    el('section', { 'aria-labelledby': 'sweep-board-heading' },
      el('h2', { id: 'sweep-board-heading' }, 'Leaderboard'), board));

  const charts = [];
  signal.addEventListener('abort', () => charts.forEach((c) => c.destroy()));
  let timer = null;
  signal.addEventListener('abort', () => clearTimeout(timer));
  let lastStatus = null;

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await postJson(`v1/sweeps/${id}/cancel`, {}, { signal });
      announce('Sweep cancelled');
      refresh();
    } catch (err) {
      if (!isAbort(err)) fill(error, errorBox(err, 'Could not cancel'));
    } finally {
      cancel.disabled = false;
    }
  });

  async function refresh() {
    clearTimeout(timer);
    try {
      const s = await getJson(`v1/sweeps/${id}`, { signal });
      show(s);
      if (lastStatus && lastStatus !== s.status) announce(`Sweep is ${s.status}`);
      lastStatus = s.status;
      root.dataset.status = s.status;
      if (s.status === 'running') timer = setTimeout(refresh, 2000);
    } catch (err) {
      if (!isAbort(err)) fill(error, errorBox(err, 'Could not load the sweep'));
    }
  }

  function show(s) {
    fill(status, statusBadge(s.status), ' ', el('span', { class: 'muted' },
      `${s.strategy}${s.asha ? ` (eta ${s.asha.eta}, rungs at epochs ${s.asha.rungs.join(', ')})` : ''} · ${s.model}`));
    const p = s.progress;
    fill(summary, `${p.trials} trials planned: ${p.succeeded} finished, ${p.stopped} stopped early, ${p.running} running, `
      + `${p.queued} queued, ${p.pending} waiting${p.failed ? `, ${p.failed} failed` : ''}${p.cancelled ? `, ${p.cancelled} cancelled` : ''}`
      + (p.waiting_for_quota ? ' (waiting for the concurrent-jobs quota)' : ''));
    fill(compute, `Compute: ${s.compute.epochs_used} of ${s.compute.full_run_epochs} epochs a full run of every trial would train `
      + `(${percent(s.compute.fraction, 0)}). Started ${dateTime(s.created_at)}.`);
    cancel.hidden = s.status !== 'running';
    fill(best, s.best ? el('section', { class: 'panel', id: 'sweep-best-panel', 'aria-labelledby': 'best-heading' },
      el('h2', { id: 'best-heading' }, 'Best trial'),
      el('p', {}, `Trial ${s.best.trial}: ${settings(s.best.settings)} · validation ${percent(s.best.best_validation_accuracy)}`
        + ` at epoch ${s.best.best_epoch} · test ${percent(s.best.prompted_test_accuracy)}`),
      el('p', {}, el('a', { href: `#/prompts/${s.best.prompt_id}` }, 'Its prompt'), ' · ',
        el('a', { href: `#/classify?prompt=${s.best.prompt_id}` }, 'Classify with it'), ' · ',
        el('a', { href: `#/jobs/${s.best.job_id}` }, 'Its training job'))) : null);
    fill(board, leaderboard(s.leaderboard));
    board.setAttribute('aria-busy', 'false');
    drawCharts(s.leaderboard);
  }

  function leaderboard(trials) {
    return el('div', { class: 'table-wrap' }, el('table', { class: 'compact', id: 'sweep-table' },
      el('caption', { class: 'sr-only' }, 'Trials, best validation accuracy first'),
      el('thead', {}, el('tr', {}, ['Rank', 'Trial', 'Status', 'Settings', 'Best validation', 'Epochs', 'Test', 'Job']
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, trials.map((t, i) => el('tr', { dataset: { trial: t.trial, status: t.status } },
        el('th', { scope: 'row' }, i + 1),
        el('td', {}, t.trial),
        el('td', {}, statusBadge(t.status), t.stopped_reason ? el('span', { class: 'sr-only' }, ` ${t.stopped_reason}`) : null),
        el('td', { title: t.stopped_reason || '' }, settings(t.settings)),
        el('td', {}, percent(t.best_validation_accuracy)),
        el('td', {}, t.epochs_used),
        el('td', {}, percent(t.prompted_test_accuracy)),
        el('td', {}, t.job_id ? el('a', { href: `#/jobs/${t.job_id}` }, el('code', {}, shortId(t.job_id))) : '–'))))));
  }

  function drawCharts(trials) {
    charts.forEach((c) => c.destroy());
    charts.length = 0;
    if (!window.Chart) {
      return;
    }
    const started = trials.filter((t) => t.validation_curve.length).sort((a, b) => a.trial - b.trial);
    const longest = Math.max(0, ...started.map((t) => t.validation_curve.length));
    const axis = (x, y) => ({
      x: { title: { display: true, text: x, color: '#374151' }, ticks: { color: '#374151' } },
      y: { title: { display: true, text: y, color: '#374151' }, ticks: { color: '#374151' }, suggestedMin: 0, suggestedMax: 100 },
    });
    charts.push(new window.Chart(curvesCanvas, {
      type: 'line',
      data: {
        labels: Array.from({ length: longest }, (_, i) => i + 1),
        datasets: started.map((t) => ({
          label: `trial ${t.trial}${t.status === 'stopped' ? ' (stopped)' : ''}`,
          data: t.validation_curve.map((v) => (v === null ? null : v * 100)),
          borderColor: COLORS[t.trial % COLORS.length], backgroundColor: COLORS[t.trial % COLORS.length],
          borderDash: t.status === 'stopped' ? [5, 4] : undefined, borderWidth: 2, pointRadius: 2, tension: 0.2,
        })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: axis('epoch', 'validation %'),
        plugins: { legend: { labels: { color: '#1f2937', usePointStyle: true, pointStyle: 'line' } } } },
    }));
    curvesCanvas.dataset.points = String(started.length);
    for (const [canvas, key, title, log] of [[lrCanvas, 'hyperparameters.learning_rate', 'learning rate', true],
      [sizeCanvas, 'prompt.size', 'prompt size (px)', false]]) {
      const points = started.filter((t) => typeof t.settings[key] === 'number' && t.best_validation_accuracy !== null)
        .map((t) => ({ x: t.settings[key], y: t.best_validation_accuracy * 100, stopped: t.status === 'stopped' }));
      canvas.dataset.points = String(points.length);
      const scales = axis(title, 'best validation %');
      if (log) scales.x.type = 'logarithmic';
      charts.push(new window.Chart(canvas, {
        type: 'scatter',
        data: { datasets: [
          { label: 'ran to the end', data: points.filter((q) => !q.stopped), backgroundColor: '#0b57d0', pointRadius: 4 },
          { label: 'stopped', data: points.filter((q) => q.stopped), backgroundColor: '#9ca3af', pointStyle: 'crossRot', pointRadius: 5, borderColor: '#5f6368' },
        ] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales,
          plugins: { legend: { labels: { color: '#1f2937' } } } },
      }));
    }
  }

  refresh();
}

function settings(s) {
  return Object.entries(s || {}).map(([k, v]) => `${k.split('.').pop()} ${v}`).join(', ') || 'defaults';
}
