// #/prompts: the learned (and imported) prompts, newest first, each with its picture.
import { getBlob, getJson } from '../api.js';
import { dateTime, el, errorBox, fill, isAbort, objectUrls, percent, shortId } from '../ui.js';

export function render(root, params, signal) {
  const list = el('div', { id: 'prompt-list', class: 'cards', 'aria-busy': 'true' });
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  fill(root,
    el('h1', {}, 'Prompts'),
    el('p', { class: 'lead' }, 'Each prompt is one learned pixel pattern, added to every image before the frozen model sees it.'),
    list, more);
  const url = objectUrls(signal);
  let after = null;

  async function load() {
    try {
      const page = await getJson(`v1/prompts?limit=20${after ? `&after=${after}` : ''}`, { signal });
      if (!after) fill(list);
      for (const p of page.data) list.appendChild(card(p));
      if (!list.children.length) {
        fill(list, el('p', { class: 'muted' }, 'No prompts yet: a training job that succeeds makes one.'));
      }
      after = page.last_id || after;
      more.hidden = !page.has_more;
    } catch (err) {
      if (!isAbort(err)) fill(list, errorBox(err, 'Could not list prompts'));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }
  more.addEventListener('click', load);

  function card(p) {
    const img = el('img', { class: 'pixelated thumb checker', alt: '', width: 64, height: 64 });
    getBlob(`v1/prompts/${p.id}/content`, 'image/png', { signal })
      .then(({ blob }) => { img.src = url(blob); })
      .catch(() => img.remove());
    return el('article', { class: 'card prompt-card', dataset: { id: p.id } },
      img,
      el('div', {},
        el('h2', { class: 'h3' }, el('a', { href: `#/prompts/${p.id}` }, 'Prompt ', el('code', {}, shortId(p.id)))),
        el('p', { class: 'muted' }, `${p.model} · ${p.template} ${p.size} px · ${p.class_names.length} classes · ${dateTime(p.created_at)}`),
        p.prompted_test_accuracy !== undefined
          ? el('p', {}, `Test accuracy ${percent(p.zero_shot_test_accuracy)} without → ${percent(p.prompted_test_accuracy)} with the prompt`)
          : el('p', { class: 'muted' }, 'Imported')));
  }

  load();
}
