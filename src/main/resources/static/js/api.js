// Every request the console makes goes through this module, so access control (an API key sent as a bearer
// token) is handled in one place and the pages never build requests themselves.

const KEY_STORAGE = 'visprompt.apiKey';

/** A failed API call, carrying the problem+json body (code, detail, errors[].field) when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'The service could not be reached');
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  const value = (key || '').trim();
  if (value) {
    sessionStorage.setItem(KEY_STORAGE, value);
  } else {
    sessionStorage.removeItem(KEY_STORAGE);
  }
}

// How the console asks for a key after a 401 (set by the shell): ask(message) resolves once a key is saved.
let askForKey = null;
// One question at a time: every call refused while the key field waits retries after the same answer.
let pendingKey = null;

/** Registers how the console asks for a key when a call is answered 401 (unauthenticated). */
export function whenUnauthenticated(ask) {
  askForKey = ask;
}

function aborted() {
  return new DOMException('The request was aborted', 'AbortError');
}

/** Resolves once a (new) key has been entered; rejects with an AbortError when signal aborts first. */
function newKey(error, signal) {
  if (!pendingKey) {
    const message = apiKey()
      ? `The API key was refused (${error.message}). Enter a valid key.`
      : 'The service needs an API key. Enter yours to continue.';
    pendingKey = Promise.resolve(askForKey(message)).finally(() => {
      pendingKey = null;
    });
  }
  if (!signal) {
    return pendingKey;
  }
  if (signal.aborted) {
    return Promise.reject(aborted());
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    pendingKey.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function unauthenticated(status) {
  return status === 401 && askForKey !== null;
}

function headers(extra) {
  const h = new Headers(extra);
  const key = apiKey();
  if (key) {
    h.set('Authorization', `Bearer ${key}`);
  }
  return h;
}

async function failure(response) {
  let problem = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  }
  return new ApiError(response.status, problem);
}

/**
 * fetch() with the key, an Accept header and problem+json errors turned into ApiError. A 401 asks for a key and
 * sends the same request again once one is entered.
 */
export async function request(path, { method = 'GET', json, body, accept = 'application/json', signal } = {}) {
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
  }
  for (;;) {
    const h = headers({ Accept: accept });
    if (json !== undefined) {
      h.set('Content-Type', 'application/json');
    }
    let response;
    try {
      response = await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') {
        throw e;
      }
      throw new ApiError(0, null);
    }
    if (unauthenticated(response.status)) {
      await newKey(await failure(response), signal);
      continue;
    }
    if (!response.ok) {
      throw await failure(response);
    }
    return response;
  }
}

export async function getJson(path, options) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

export async function postJson(path, json, options = {}) {
  const response = await request(path, { ...options, method: 'POST', json });
  return response.status === 204 ? null : response.json();
}

/** POST of a FormData (multipart), answered with JSON. */
export async function postForm(path, form, options = {}) {
  const response = await request(path, { ...options, method: 'POST', body: form });
  return response.json();
}

export async function remove(path, options = {}) {
  await request(path, { ...options, method: 'DELETE' });
}

/** A binary representation (Accept decides which), with the response headers. */
export async function getBlob(path, accept, options = {}) {
  const response = await request(path, { ...options, accept });
  return { blob: await response.blob(), headers: response.headers };
}

/**
 * Multipart upload through XMLHttpRequest, which (unlike fetch) reports upload progress.
 * onProgress(loaded, total) is called as bytes leave; returns { promise, abort }. A 401 asks for a key and
 * uploads again once one is entered.
 */
export function upload(path, form, onProgress) {
  const controller = new AbortController();
  let xhr = null;
  const sendOnce = () => new Promise((resolve, reject) => {
    xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    headers({ Accept: 'application/json' }).forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        onProgress(e.loaded, e.total);
      }
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
      } else {
        reject(new ApiError(xhr.status, body));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, null)));
    xhr.addEventListener('abort', () => reject(new DOMException('Upload cancelled', 'AbortError')));
    xhr.send(form);
  });
  const promise = (async () => {
    for (;;) {
      try {
        return await sendOnce();
      } catch (e) {
        if (!(e instanceof ApiError) || !unauthenticated(e.status)) {
          throw e;
        }
        await newKey(e, controller.signal);
      }
    }
  })();
  return {
    promise,
    abort: () => {
      controller.abort();
      xhr?.abort();
    },
  };
}


/**
 * Follows a Server-Sent Events endpoint with fetch (EventSource cannot send an Authorization header).
 * handlers.onEvent(name, data, id) for each event; reconnects with Last-Event-ID after a dropped connection until
 * an 'end' event arrives or close() is called; handlers.onError(error, willRetry) on failures.
 */
export function stream(path, handlers) {
  const controller = new AbortController();
  let lastEventId = null;
  let retryMillis = 2000;
  let ended = false;

  const dispatch = (name, data, id) => {
    if (name === 'end') {
      ended = true;
    }
    handlers.onEvent?.(name, data, id);
  };

  const readOnce = async () => {
    const h = headers({ Accept: 'text/event-stream' });
    if (lastEventId !== null) {
      h.set('Last-Event-ID', lastEventId);
    }
    const response = await fetch(path, { headers: h, signal: controller.signal, cache: 'no-store' });
    if (unauthenticated(response.status)) {
      // ask for a key, then reconnect at once (from the same Last-Event-ID)
      await newKey(await failure(response), controller.signal);
      return true;
    }
    if (!response.ok) {
      throw await failure(response);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let name = null;
    let id = null;
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return false;
      }
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (id !== null) {
            lastEventId = id;
          }
          if (data.length) {
            dispatch(name || 'message', data.join('\n'), id);
          }
          name = null;
          id = null;
          data = [];
          continue;
        }
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') {
          name = fieldValue;
        } else if (field === 'data') {
          data.push(fieldValue);
        } else if (field === 'id') {
          id = fieldValue;
        } else if (field === 'retry' && /^\d+$/.test(fieldValue)) {
          retryMillis = Number(fieldValue);
        }
      }
    }
  };

  (async () => {
    while (!ended && !controller.signal.aborted) {
      try {
        if (await readOnce()) {
          continue;
        }
      } catch (e) {
        if (controller.signal.aborted) {
          return;
        }
        const permanent = e instanceof ApiError && e.status >= 400 && e.status < 500;
        handlers.onError?.(e, !permanent);
        if (permanent) {
          return;
        }
      }
      if (!ended && !controller.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, retryMillis));
      }
    }
    if (ended) {
      handlers.onEnd?.();
    }
  })();

  return { close: () => controller.abort() };
}
