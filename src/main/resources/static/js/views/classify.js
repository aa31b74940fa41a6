// #/classify: drop an image, pick a prompt, and compare the prompted model's top-k with the frozen model's.
import { getJson, postForm } from '../api.js';
import { announce, el, errorBox, fill, hashQuery, isAbort, percent, shortId } from '../ui.js';

export function render(root, params, signal) {
  const promptSelect = el('select', { id: 'classify-prompt', name: 'prompt_id', required: true },
    el('option', { value: '' }, 'Loading prompts…'));
  const topK = el('input', { id: 'classify-topk', name: 'top_k', type: 'number', min: 1, max: 1000, step: 1,
    value: 5, inputmode: 'numeric', 'aria-describedby': 'classify-topk-hint' });
  const fileInput = el('input', { id: 'classify-file', name: 'image', type: 'file', accept: 'image/png,image/jpeg',
    'aria-describedby': 'drop-hint' });
  const preview = el('img', { id: 'classify-preview', class: 'preview pixelated', alt: '', hidden: true });
  const drop = el('div', { class: 'dropzone', id: 'dropzone' },
    el('label', { for: 'classify-file', class: 'drop-label' }, 'Image'),
    el('p', { id: 'drop-hint', class: 'hint' }, 'Drop a PNG or JPEG here, or choose a file.'),
    fileInput, preview);
  const submit = el('button', { type: 'submit', id: 'classify-submit' }, 'Classify');
  const results = el('div', { id: 'classify-results', 'aria-live': 'polite' });
  const form = el('form', { id: 'classify-form', class: 'panel', novalidate: true },
    el('div', { class: 'grid-2' },
      el('div', { class: 'field' }, el('label', { for: 'classify-prompt' }, 'Prompt'), promptSelect),
      el('div', { class: 'field' }, el('label', { for: 'classify-topk' }, 'Top k'), topK,
        el('p', { class: 'hint', id: 'classify-topk-hint' }, 'How many labels to show (default 5)'))),
    drop,
    el('div', { class: 'actions' }, submit));

  fill(root,
    el('h1', {}, 'Classify an image'),
    el('p', { class: 'lead' }, 'The same image through the same frozen model, with the learned prompt and without it.'),
    form,
    results);

  let image = null;
  let previewUrl = null;
  signal.addEventListener('abort', () => previewUrl && URL.revokeObjectURL(previewUrl));

  function setImage(file) {
    if (!file) return;
    if (!/^image\/(png|jpeg)$/.test(file.type) && !/\.(png|jpe?g)$/i.test(file.name)) {
      fill(results, errorBox(new Error(`${file.name} is not a PNG or JPEG image`)));
      return;
    }
    image = file;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
    preview.alt = `Preview of ${file.name}`;
    preview.hidden = false;
    if (promptSelect.value) classify();
  }

  fileInput.addEventListener('change', () => setImage(fileInput.files[0]));
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    drop.addEventListener(type, () => drop.classList.remove('dragging'));
  }
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    setImage(e.dataTransfer?.files?.[0]);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    classify();
  });

  async function classify() {
    if (!promptSelect.value) {
      fill(results, errorBox(new Error('Choose a prompt first')));
      promptSelect.focus();
      return;
    }
    if (!image) {
      fill(results, errorBox(new Error('Choose or drop an image first')));
      fileInput.focus();
      return;
    }
    const k = topK.value.trim() || '5';
    const body = (prompted) => {
      const f = new FormData();
      f.append('image', image, image.name);
      f.append('prompt_id', promptSelect.value);
      f.append('top_k', k);
      f.append('prompted', String(prompted));
      return f;
    };
    submit.disabled = true;
    results.setAttribute('aria-busy', 'true');
    try {
      const [withPrompt, without] = await Promise.all([
        postForm('v1/classify', body(true), { signal }), postForm('v1/classify', body(false), { signal })]);
      fill(results, el('div', { class: 'compare' },
        column('With the prompt', 'prompted-predictions', withPrompt),
        column('Without the prompt (frozen model)', 'unprompted-predictions', without)));
      announce(`With the prompt: ${withPrompt.predictions[0]?.label}; without: ${without.predictions[0]?.label}`);
    } catch (err) {
      if (!isAbort(err)) fill(results, errorBox(err, 'Classification failed'));
    } finally {
      submit.disabled = false;
      results.setAttribute('aria-busy', 'false');
    }
  }

  function column(title, id, answer) {
    const headingId = `${id}-heading`;
    return el('section', { class: 'panel predictions', 'aria-labelledby': headingId },
      el('h2', { id: headingId }, title),
      el('ol', { id, class: 'prediction-list' }, answer.predictions.map((p, i) => el('li', { class: i === 0 ? 'best' : null },
        el('span', { class: 'label' }, p.label),
        el('span', { class: 'prob' }, percent(p.probability)),
        el('div', { class: 'meter', 'aria-hidden': 'true' },
          el('span', { style: `width:${(p.probability * 100).toFixed(1)}%` }))))),
      el('p', { class: 'muted small' }, `${answer.model} · ${answer.latency_ms.toFixed(1)} ms`));
  }

  (async () => {
    try {
      const page = await getJson('v1/prompts?limit=100', { signal });
      const wanted = hashQuery().get('prompt');
      fill(promptSelect,
        el('option', { value: '' }, page.data.length ? 'Choose a prompt' : 'No prompts yet'),
        page.data.map((p) => el('option', { value: p.id, selected: p.id === wanted },
          `${shortId(p.id)} · ${p.model} · ${p.template} · ${p.class_names.length} classes` +
          (p.prompted_test_accuracy !== undefined ? ` · ${percent(p.prompted_test_accuracy)} test` : ''))));
      if (wanted && promptSelect.value !== wanted) {
        // older than the newest 100: load it by id
        const p = await getJson(`v1/prompts/${wanted}`, { signal });
        promptSelect.appendChild(el('option', { value: p.id, selected: true }, `${shortId(p.id)} · ${p.model}`));
      }
    } catch (err) {
      if (!isAbort(err)) fill(results, errorBox(err, 'Could not list prompts'));
    }
  })();
  promptSelect.addEventListener('change', () => { if (image && promptSelect.value) classify(); });
}
