// #/prompts/{id}: the prompt as a picture, applied to sample images, its metadata, and downloads.
import { getBlob, getJson } from '../api.js';
import { announce, el, errorBox, fill, isAbort, objectUrls, percent, saveBlob, shortId } from '../ui.js';
import { evaluateForm } from './evaluation.js';

const SHOWN_PX = 256;
const EXAMPLES = 4;

export function render(root, [id], signal) {
  const picture = el('img', { id: 'prompt-image', class: 'pixelated checker', alt: 'The learned prompt',
    width: SHOWN_PX, height: SHOWN_PX });
  const caption = el('figcaption', { id: 'prompt-caption' }, 'Loading the prompt…');
  const downloads = el('div', { class: 'actions', id: 'prompt-downloads' });
  const examples = el('div', { class: 'examples', id: 'prompt-examples' });
  const meta = el('dl', { class: 'meta', id: 'prompt-meta' });
  const error = el('div', {});
  fill(root,
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/prompts' }, '← Prompts')),
    el('h1', {}, 'Prompt ', el('code', {}, shortId(id))),
    error,
    el('div', { class: 'prompt-layout' },
      el('figure', { class: 'panel prompt-figure' }, picture, caption, downloads),
      el('section', { class: 'panel', 'aria-labelledby': 'about-heading' },
        el('h2', { id: 'about-heading' }, 'About this prompt'), meta)),
    evaluateForm(id, signal),
    el('section', { 'aria-labelledby': 'examples-heading' },
      el('h2', { id: 'examples-heading' }, 'Applied to sample images'),
      el('p', { class: 'muted' }, 'Test images of the prompt’s dataset as the model sees them: resized, with the prompt added.'),
      examples));

  const url = objectUrls(signal);

  (async () => {
    let prompt;
    try {
      prompt = await getJson(`v1/prompts/${id}`, { signal });
    } catch (err) {
      if (!isAbort(err)) fill(error, errorBox(err, 'Could not load the prompt'));
      return;
    }
    showMeta(prompt);
    const [, h, w] = prompt.shape;
    const scale = Math.max(1, Math.floor(SHOWN_PX / Math.max(h, w)));
    picture.width = w * scale;
    picture.height = h * scale;
    try {
      const { blob, headers } = await getBlob(`v1/prompts/${id}/content`, 'image/png', { signal });
      const src = url(blob);
      picture.src = src;
      const colourScale = headers.get('X-Prompt-Scale');
      fill(caption, `${w}×${h} px, shown ${scale}× larger. Transparent where the prompt has no learnable pixels`,
        colourScale ? `; colours stretched ×${Number(colourScale).toPrecision(3)} to be visible.` : '.');
      fill(downloads,
        el('a', { class: 'button secondary', href: src, download: `prompt-${id}.png`, id: 'download-png' }, 'Download PNG'),
        el('button', { type: 'button', class: 'secondary', id: 'download-npy', onclick: downloadNpy },
          'Download .npy (exact float32)'));
    } catch (err) {
      if (!isAbort(err)) fill(caption, errorBox(err, 'Could not load the picture'));
    }
    if (prompt.dataset_id) {
      for (let n = 1; n <= EXAMPLES; n++) {
        const img = el('img', { class: 'pixelated', alt: `Sample image ${n} with the prompt applied`,
          width: w * Math.max(1, Math.floor(160 / w)), height: h * Math.max(1, Math.floor(160 / h)), dataset: { example: n } });
        examples.appendChild(el('figure', { class: 'example' }, img, el('figcaption', {}, `Sample ${n}`)));
        getBlob(`v1/prompts/${id}/content?example=${n}`, 'image/png', { signal })
          .then(({ blob }) => { img.src = url(blob); })
          .catch((err) => { if (!isAbort(err)) img.replaceWith(errorBox(err)); });
      }
    } else {
      fill(examples, el('p', { class: 'muted' }, 'This prompt was imported: it has no dataset to take samples from.'));
    }
  })();

  async function downloadNpy(e) {
    const button = e.currentTarget;
    button.disabled = true;
    try {
      const { blob } = await getBlob(`v1/prompts/${id}/content`, 'application/x-npy', { signal });
      saveBlob(blob, `prompt-${id}.npy`);
      announce('Prompt downloaded as .npy');
    } catch (err) {
      if (!isAbort(err)) announce(`Download failed: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  function showMeta(p) {
    const item = (term, ...value) => [el('dt', {}, term), el('dd', {}, ...value)];
    const mapping = p.label_mapping
      ? el('details', {}, el('summary', {}, 'Label mapping (class → model output)'),
        el('ul', { class: 'plain' }, p.class_names.map((c, i) => el('li', {}, `${c} → output ${p.label_mapping[i]}`))))
      : null;
    fill(meta,
      item('Model', p.model),
      item('Template', `${p.template}, ${p.size} px, ${p.placement}`),
      item('Shape', p.shape.join(' × ')),
      item('Classes', el('ul', { class: 'chips' }, p.class_names.map((c) => el('li', {}, c))), mapping),
      p.text_templates ? item('Text templates', p.text_templates.join(' | ')) : null,
      p.prompted_test_accuracy !== undefined
        ? item('Test accuracy', `${percent(p.zero_shot_test_accuracy)} without the prompt, ${percent(p.prompted_test_accuracy)} with it`)
        : null,
      p.validation_accuracy !== undefined ? item('Validation accuracy', percent(p.validation_accuracy)) : null,
      p.job_id ? item('Learned by', el('a', { href: `#/jobs/${p.job_id}` }, 'job ', el('code', {}, shortId(p.job_id)))) : null,
      item('Use it', el('a', { class: 'button small', id: 'classify-with', href: `#/classify?prompt=${p.id}` }, 'Classify an image')));
  }
}
