// The console's shell: hash routes, the API key field, focus and title on navigation.
import { apiKey, setApiKey, whenUnauthenticated } from './api.js';
import { announce, errorBox, fill } from './ui.js';
import * as datasets from './views/datasets.js';
import * as jobs from './views/jobs.js';
import * as job from './views/job.js';
import * as sweeps from './views/sweeps.js';
import * as sweep from './views/sweep.js';
import * as prompts from './views/prompts.js';
import * as prompt from './views/prompt.js';
import * as classify from './views/classify.js';
import * as evaluation from './views/evaluation.js';

const UUID = '([0-9a-fA-F-]{36})';
const routes = [
  { pattern: /^\/datasets$/, section: 'datasets', view: datasets.render },
  { pattern: /^\/jobs$/, section: 'jobs', view: jobs.render },
  { pattern: new RegExp(`^/jobs/${UUID}$`), section: 'jobs', view: job.render },
  { pattern: /^\/sweeps$/, section: 'sweeps', view: sweeps.render },
  { pattern: new RegExp(`^/sweeps/${UUID}$`), section: 'sweeps', view: sweep.render },
  { pattern: /^\/prompts$/, section: 'prompts', view: prompts.render },
  { pattern: new RegExp(`^/prompts/${UUID}$`), section: 'prompts', view: prompt.render },
  { pattern: /^\/classify$/, section: 'classify', view: classify.render },
  { pattern: new RegExp(`^/evaluations/${UUID}$`), section: 'prompts', view: evaluation.render },
];

const main = document.getElementById('main');
let current = null;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/datasets';
  const path = hash.split('?')[0];
  const match = routes.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  if (!match) {
    location.replace('#/datasets');
    return;
  }
  current?.abort();
  current = new AbortController();
  for (const link of document.querySelectorAll('nav a[data-section]')) {
    if (link.dataset.section === match.r.section) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  fill(main);
  delete main.dataset.status;
  main.dataset.view = match.r.section;
  try {
    match.r.view(main, match.m.slice(1), current.signal);
  } catch (e) {
    fill(main, errorBox(e, 'This page failed'));
  }
  const heading = main.querySelector('h1');
  document.title = `${heading ? heading.textContent : 'visprompt'} · visprompt console`;
  // move focus to the new page's heading, as a page load would, without scrolling a keyboard user away
  if (heading && document.activeElement !== document.body) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

function keyField() {
  const form = document.getElementById('key-form');
  const input = document.getElementById('api-key');
  const message = document.getElementById('api-key-message');
  // set while a refused call (401) waits for a key: saving the key answers it instead of reloading the page
  let answer = null;
  input.value = apiKey();
  whenUnauthenticated((text) => new Promise((resolve) => {
    answer = resolve;
    message.textContent = text;
    message.hidden = false;
    form.classList.add('asking');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.select();
  }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value);
    announce(input.value.trim() ? 'API key saved for this tab' : 'API key cleared');
    if (answer) {
      const resolve = answer;
      answer = null;
      message.hidden = true;
      message.textContent = '';
      form.classList.remove('asking');
      input.removeAttribute('aria-invalid');
      resolve();
    } else {
      route();
    }
  });
}

keyField();
window.addEventListener('hashchange', route);
route();
