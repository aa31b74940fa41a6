// Small DOM and formatting helpers. Text from the API is only ever set as text, never parsed as HTML.

/**
 * el('a', { href: '#/x', class: 'btn', onclick: fn, dataset: { id: 1 } }, 'text', child, [more])
 * Attributes whose value is null, undefined or false are left out; true sets an empty attribute.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name === 'text') {
      node.textContent = value;
    } else if (name === 'value' && 'value' in node) {
      node.value = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(node, child);
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Says something to screen readers through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById('status');
  if (!region) {
    return;
  }
  region.textContent = '';
  // a separate task, so the same message twice is read twice
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** An error box (role=alert) for an ApiError or any Error. */
export function errorBox(error, prefix) {
  const text = error?.message || String(error);
  return el('div', { class: 'notice error', role: 'alert' },
    prefix ? el('strong', {}, `${prefix}: `) : null, text,
    error?.code ? el('span', { class: 'code' }, ` (${error.code})`) : null);
}

export function notice(text, kind = 'info') {
  return el('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : null }, text);
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : '';
}

export function percent(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : '–';
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '–';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min ${s % 60} s`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function dateTime(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function bytes(n) {
  if (typeof n !== 'number') {
    return '–';
  }
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export const ACTIVE = new Set(['queued', 'running', 'cancelling']);

export function statusBadge(status) {
  return el('span', { class: `badge status-${status}`, dataset: { status } }, status);
}

/** A labelled progress bar (the native element, so assistive technology reads its value). */
export function progressBar(id, value, label) {
  return el('progress', { id, max: 100, value: value ?? 0, 'aria-label': label });
}

/** Object URLs made by a view, revoked when the view goes away. */
export function objectUrls(signal) {
  const urls = [];
  signal.addEventListener('abort', () => urls.forEach((u) => URL.revokeObjectURL(u)));
  return (blob) => {
    const url = URL.createObjectURL(blob);
    urls.push(url);
    return url;
  };
}

/** Saves a blob as a file through a temporary link. */
export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: fileName, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The hash route's query (#/classify?prompt=...). */
export function hashQuery() {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

export function isAbort(e) {
  return e?.name === 'AbortError';
}
