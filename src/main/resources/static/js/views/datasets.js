// #/datasets: upload an ImageFolder archive (with upload progress), list, inspect and delete datasets.
import { ApiError, getBlob, getJson, remove, upload } from '../api.js';
import { announce, bytes, dateTime, el, errorBox, fill, isAbort, notice, objectUrls } from '../ui.js';

export function render(root, params, signal) {
  const fileInput = el('input', { type: 'file', id: 'upload-file', name: 'file', required: true,
    accept: '.zip,.tar,.tar.gz,.tgz,application/zip,application/x-tar,application/gzip',
    'aria-describedby': 'upload-file-hint' });
  const nameInput = el('input', { type: 'text', id: 'upload-name', name: 'name', maxlength: 200,
    placeholder: 'the file name', 'aria-describedby': 'upload-name-hint' });
  const valInput = el('input', { type: 'number', id: 'upload-val', name: 'val_fraction', min: 0, max: 0.99,
    step: 'any', placeholder: '0.1', inputmode: 'decimal', 'aria-describedby': 'upload-val-hint' });
  const testInput = el('input', { type: 'number', id: 'upload-test', name: 'test_fraction', min: 0, max: 0.99,
    step: 'any', placeholder: '0.1', inputmode: 'decimal', 'aria-describedby': 'upload-test-hint' });
  const progress = el('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-label': 'Upload progress' });
  const progressText = el('span', { id: 'upload-percent', class: 'muted' }, '0%');
  const progressRow = el('div', { class: 'progress-row', hidden: true }, progress, progressText);
  const submit = el('button', { type: 'submit', id: 'upload-submit' }, 'Upload');
  const cancel = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel upload');
  const result = el('div', { id: 'upload-result', 'aria-live': 'polite' });
  const list = el('div', { id: 'dataset-list', class: 'cards', 'aria-busy': 'true' });
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');

  const form = el('form', { id: 'upload-form', class: 'panel', novalidate: true },
    el('h2', { id: 'upload-heading' }, 'Upload a dataset'),
    el('div', { class: 'field' },
      el('label', { for: 'upload-file' }, 'Archive'),
      fileInput,
      el('p', { class: 'hint', id: 'upload-file-hint' },
        'An ImageFolder archive (.zip, .tar or .tar.gz): class_name/image.png, optionally under train/, val/ and test/.')),
    el('div', { class: 'grid-3' },
      el('div', { class: 'field' },
        el('label', { for: 'upload-name' }, 'Name'), nameInput,
        el('p', { class: 'hint', id: 'upload-name-hint' }, 'Default: the file name')),
      el('div', { class: 'field' },
        el('label', { for: 'upload-val' }, 'Validation fraction'), valInput,
        el('p', { class: 'hint', id: 'upload-val-hint' }, 'Default: 0.1 (when there is no val/ folder)')),
      el('div', { class: 'field' },
        el('label', { for: 'upload-test' }, 'Test fraction'), testInput,
        el('p', { class: 'hint', id: 'upload-test-hint' }, 'Default: 0.1 (when there are no split folders)'))),
    el('div', { class: 'actions' }, submit, cancel),
    progressRow,
    result);
  form.setAttribute('aria-labelledby', 'upload-heading');

  fill(root,
    el('h1', {}, 'Datasets'),
    el('p', { class: 'lead' }, 'Labelled image folders to learn prompts on. A dataset in use by a running job cannot be deleted.'),
    form,
    el('section', { 'aria-labelledby': 'datasets-heading' },
      el('h2', { id: 'datasets-heading' }, 'Uploaded datasets'),
      list,
      more));

  let pending = null;
  signal.addEventListener('abort', () => pending?.abort());
  // thumbnails' object URLs: each is revoked once its image has loaded (or failed), the rest when the view is left
  const objectUrl = objectUrls(signal);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(result);
    const file = fileInput.files[0];
    if (!file) {
      fileInput.setAttribute('aria-invalid', 'true');
      fill(result, notice('Choose an archive to upload.', 'error'));
      fileInput.focus();
      return;
    }
    fileInput.removeAttribute('aria-invalid');
    const data = new FormData();
    data.append('file', file, file.name);
    if (nameInput.value.trim()) data.append('name', nameInput.value.trim());
    if (valInput.value.trim()) data.append('val_fraction', valInput.value.trim());
    if (testInput.value.trim()) data.append('test_fraction', testInput.value.trim());

    progress.value = 0;
    progress.dataset.percent = '0';
    progressText.textContent = '0%';
    progressRow.hidden = false;
    submit.disabled = true;
    cancel.hidden = false;
    announce(`Uploading ${file.name}`);
    pending = upload('v1/datasets', data, (loaded, total) => {
      const p = Math.round((100 * loaded) / total);
      progress.value = p;
      progress.dataset.percent = String(p);
      progressText.textContent = p < 100 ? `${p}% of ${bytes(total)}` : `${bytes(total)} sent; checking the images…`;
    });
    try {
      const dataset = await pending.promise;
      progress.value = 100;
      progress.dataset.percent = '100';
      progressText.textContent = 'Done';
      const rejected = dataset.rejected_files || [];
      const skipped = dataset.rejected_file_count ?? rejected.length; // rejected_files holds the first page only
      fill(result, el('div', { class: 'notice success' },
        el('strong', {}, `Uploaded “${dataset.name}”: `),
        `${dataset.class_names.length} classes, ${counts(dataset)}.`,
        skipped ? ` ${skipped} file(s) were skipped: ` : null,
        rejected.length ? rejected.slice(0, 5).map((r) => `${r.path} (${r.reason})`).join('; ') : null));
      form.reset();
      await load(true);
    } catch (err) {
      if (isAbort(err)) {
        fill(result, notice('Upload cancelled.'));
        progressRow.hidden = true;
      } else {
        fill(result, errorBox(err, 'Upload failed'));
      }
    } finally {
      submit.disabled = false;
      cancel.hidden = true;
      pending = null;
    }
  });
  cancel.addEventListener('click', () => pending?.abort());

  let after = null;
  async function load(reset) {
    if (reset) {
      after = null;
    }
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await getJson(`v1/datasets?limit=20${after ? `&after=${after}` : ''}`, { signal });
      if (reset) {
        fill(list);
      }
      for (const d of page.data) {
        list.appendChild(card(d));
      }
      if (!list.children.length) {
        fill(list, el('p', { class: 'muted' }, 'No datasets yet. Upload one above.'));
      }
      after = page.data.length ? page.data[page.data.length - 1].id : after;
      more.hidden = !page.has_more;
    } catch (err) {
      if (!isAbort(err)) fill(list, errorBox(err, 'Could not list datasets'));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }
  more.addEventListener('click', () => load(false));

  function card(d) {
    const status = el('div', { 'aria-live': 'polite' });
    const del = el('button', { type: 'button', class: 'danger small', 'aria-label': `Delete dataset ${d.name}` }, 'Delete');
    const thumbs = el('div', { class: 'thumbs', 'aria-label': `Example images of ${d.name}` });
    const details = el('details', {},
        el('summary', {}, 'Images per class and split'),
        thumbs,
        el('div', { class: 'table-wrap' },
          el('table', { class: 'compact' },
            el('caption', { class: 'sr-only' }, `Images per class in ${d.name}`),
            el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Class'), el('th', { scope: 'col' }, 'Train'),
              el('th', { scope: 'col' }, 'Val'), el('th', { scope: 'col' }, 'Test'))),
            el('tbody', {}, (d.class_counts || []).map((c) => el('tr', {},
              el('th', { scope: 'row' }, c.name), el('td', {}, c.train), el('td', {}, c.val), el('td', {}, c.test)))))));
    // thumbnails are fetched (with the API key) the first time the details are opened
    details.addEventListener('toggle', () => {
      if (!details.open || thumbs.children.length) {
        return;
      }
      d.class_names.forEach((name, label) => {
        const figure = el('figure', { class: 'thumb-class' }, el('figcaption', {}, name));
        thumbs.append(figure);
        for (let n = 0; n < 3; n++) {
          const img = el('img', { class: 'thumb', alt: `${name}, example ${n + 1}`, width: 48, height: 48 });
          figure.insertBefore(img, figure.lastChild);
          getBlob(`v1/datasets/${d.id}/classes/${label}/images/${n}`, 'image/png', { signal })
            .then(({ blob }) => {
              const src = objectUrl(blob);
              // a loaded image keeps its pixels: the URL is no longer needed, even while the card stays
              const release = () => URL.revokeObjectURL(src);
              img.addEventListener('load', release, { once: true });
              img.addEventListener('error', release, { once: true });
              img.src = src;
            })
            .catch(() => img.remove());
        }
      });
    });
    const node = el('article', { class: 'card dataset', dataset: { id: d.id, name: d.name } },
      el('h3', {}, d.name),
      el('p', { class: 'muted' }, `${d.class_names.length} classes · ${counts(d)} · ${bytes(d.total_bytes)} · ${dateTime(d.created_at)}`),
      el('ul', { class: 'chips', 'aria-label': `Classes of ${d.name}` }, d.class_names.map((c) => el('li', {}, c))),
      details,
      el('div', { class: 'actions' },
        el('a', { class: 'button small', href: `#/jobs?dataset=${d.id}` }, 'Train a prompt'),
        del),
      status);
    del.addEventListener('click', async () => {
      if (!window.confirm(`Delete dataset “${d.name}” and its images?`)) {
        return;
      }
      del.disabled = true;
      try {
        await remove(`v1/datasets/${d.id}`);
        announce(`Dataset ${d.name} deleted`);
        node.remove();
        if (!list.children.length) {
          fill(list, el('p', { class: 'muted' }, 'No datasets yet. Upload one above.'));
        }
      } catch (err) {
        del.disabled = false;
        fill(status, errorBox(err, err instanceof ApiError && err.code === 'dataset_in_use'
          ? 'In use' : 'Delete failed'));
      }
    });
    return node;
  }

  load(true);
}

function counts(d) {
  const c = d.image_counts || {};
  return `${c.train ?? 0} train, ${c.val ?? 0} val, ${c.test ?? 0} test images`;
}
