// Hugging Face Hub client for the browser: URL layout, the token, timeouts,
// and one HubError per failure with a message that ends in a way forward.
// The CLI's transport is core/cli/hub/http.cpp: same endpoint setting, the
// same error kinds (transport-only ones aside), same URLs
//   {endpoint}/{id}/resolve/{revision}/{file}
//   {endpoint}/api/models?search=..   {endpoint}/api/models/{id}/revision/{rev}
// The token goes in an Authorization header on requests to the endpoint's
// own origin only. Large files redirect to a CDN host; the browser drops
// Authorization on a cross-origin redirect (Fetch standard, "HTTP-redirect
// fetch"), and tests/web/hub.test.mjs checks that it does.
import {parseConfigText} from './config-text.js';

const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_TIMEOUT_MS = 20000;

const FORWARD = 'paste the config.json below, or pick a preset';

export class HubError extends Error {
  /**
   * @param {string} kind offline | unreachable | cors | timeout | not_found |
   *     no_revision | no_file | unauthorized | rate_limited | server_error |
   *     truncated | invalid | http | bad_id | bad_endpoint: the CLI's kinds
   *     (core/cli/hub/settings.h) for the same failures; offline (the
   *     browser says so) and cors are the browser's alone
   */
  constructor(kind, message, {status = 0, retryable = false} = {}) {
    super(message);
    this.name = 'HubError';
    this.kind = kind;
    this.status = status;
    this.retryable = retryable;
  }
}

// As huggingface_hub validates repo ids: ORG/NAME or NAME, [\w.-], no "--"
// or "..", not starting with "-" or ".", at most 96 characters a part.
const ID_PART = /^(?![.-])(?!.*(--|\.\.))[\w.-]{1,96}$/;

export function checkModelId(id) {
  const parts = String(id).trim().split('/');
  if (parts.length > 2 || !parts.every((p) => ID_PART.test(p))) {
    throw new HubError(
      'bad_id',
      `"${String(id).slice(0, 120)}" is not a Hugging Face model id; want org/name, e.g. Qwen/Qwen3-8B`,
    );
  }
  return parts.join('/');
}

// A branch, tag or commit: git ref characters, no "..", no leading "/".
const REVISION = /^(?![/.])(?!.*\.\.)[\w.\-/]{1,128}$/;

export function checkRevision(rev) {
  const r = String(rev ?? '').trim();
  if (!r) return 'main';
  if (!REVISION.test(r))
    throw new HubError('bad_id', `"${r.slice(0, 80)}" is not a branch, tag or commit`);
  return r;
}

/**
 * "https://hub.example.org/" -> "https://hub.example.org". http(s) only, no
 * credentials, query or fragment; a path prefix is kept (mirrors may have one).
 */
export function normalizeEndpoint(text) {
  const raw = String(text ?? '').trim();
  if (!raw) return DEFAULT_ENDPOINT;
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new HubError(
      'bad_endpoint',
      `endpoint "${raw.slice(0, 100)}" is not a URL (want e.g. https://huggingface.co)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new HubError('bad_endpoint', `endpoint must be an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password || url.search || url.hash)
    throw new HubError(
      'bad_endpoint',
      'endpoint must not carry a user, password, query or #fragment',
    );
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const enc = (path) => String(path).split('/').map(encodeURIComponent).join('/');

// The first characters of an answer that is not what was asked for, printable.
const startOf = (text) => text.slice(0, 40).replace(/[^\x20-\x7e]/g, '.');

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * A client bound to one endpoint and (optionally) one token.
 * `fetchFn` and `timeoutMs` are injectable for tests.
 */
export function createHub({
  endpoint = DEFAULT_ENDPOINT,
  token = '',
  fetchFn = globalThis.fetch.bind(globalThis),
  timeoutMs = DEFAULT_TIMEOUT_MS,
} = {}) {
  const base = normalizeEndpoint(endpoint);
  const origin = new URL(base).origin;
  const host = new URL(base).host;
  const tok = String(token ?? '').trim();

  const resolveUrl = (id, rev, file) =>
    `${base}/${enc(id)}/resolve/${encodeURIComponent(rev)}/${enc(file)}`;

  /** fetch() with the token (same origin only), a timeout and the caller's abort. */
  async function request(url, what, {signal, range, id = ''} = {}) {
    const headers = {};
    if (tok && new URL(url).origin === origin) headers.Authorization = `Bearer ${tok}`;
    if (range) headers.Range = `bytes=${range[0]}-${range[1]}`;
    const timer = new AbortController();
    const onAbort = () => timer.abort(signal.reason);
    if (signal) {
      if (signal.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
      signal.addEventListener('abort', onAbort, {once: true});
    }
    const t = setTimeout(() => timer.abort(new HubError('timeout', '')), timeoutMs);
    try {
      let res;
      try {
        res = await fetchFn(url, {
          headers,
          signal: timer.signal,
          credentials: 'omit',
          mode: 'cors',
          referrerPolicy: 'no-referrer',
          cache: range ? 'no-store' : 'default',
        });
      } catch (e) {
        throw await transportError(e, url, what, signal, timer.signal);
      }
      checkStatus(res, what, id);
      let body;
      try {
        body = range ? new Uint8Array(await res.arrayBuffer()) : await res.text();
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (timer.signal.aborted) throw timeoutError(what);
        throw new HubError(
          'truncated',
          `The answer for ${what} was cut off (${e.message}). Retry; or ${FORWARD}.`,
          {retryable: true},
        );
      }
      return {res, body};
    } finally {
      clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function timeoutError(what) {
    return new HubError(
      'timeout',
      `No answer from ${host} within ${timeoutMs / 1000} s for ${what}. Retry; or ${FORWARD}.`,
      {retryable: true},
    );
  }

  // fetch() rejects with the same TypeError for offline, DNS, refused
  // connections and CORS. A no-cors probe tells CORS apart: it succeeds
  // (opaque) when the server answered but did not allow this page.
  async function transportError(e, url, what, signal, timerSignal) {
    if (signal?.aborted) return signal.reason ?? e;
    if (timerSignal.aborted) return timeoutError(what);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      return new HubError(
        'offline',
        `You are offline, so ${what} could not be fetched. Reconnect and retry; or ${FORWARD} (models fetched before still work from the cache).`,
        {retryable: true},
      );
    }
    let answered = false;
    try {
      await fetchFn(url, {
        mode: 'no-cors',
        credentials: 'omit',
        signal: AbortSignal.timeout(5000),
        referrerPolicy: 'no-referrer',
      });
      answered = true;
    } catch {
      answered = false;
    }
    if (answered) {
      return new HubError(
        'cors',
        `${host} answered but does not allow this page to read ${what} (CORS). ` +
          (base === DEFAULT_ENDPOINT
            ? 'A browser extension or proxy may be stripping headers. '
            : 'A mirror must send Access-Control-Allow-Origin. ') +
          `Use the CLI (vramfit --model), or ${FORWARD}.`,
      );
    }
    return new HubError(
      'unreachable',
      `Cannot reach ${host} (no network, a DNS failure, or a filter blocking it) for ${what}. ` +
        `Check the connection${base === DEFAULT_ENDPOINT ? '' : ' and the endpoint setting'}, then retry; or ${FORWARD}.`,
      {retryable: true},
    );
  }

  function checkStatus(res, what, id) {
    if (res.ok) return;
    const code = res.headers.get('X-Error-Code') ?? '';
    const st = `HTTP ${res.status}${code ? `, ${code}` : ''}`;
    // The Hub answers 401 RepoNotFound to anonymous requests for a repo that
    // does not exist (or is private: it does not say which).
    if (res.status === 401 && code === 'RepoNotFound' && !tok) {
      throw new HubError(
        'not_found',
        `No public model repository for ${what} (${st}). Check the id (org/name); if it is private, add an access token under "Access token"; or ${FORWARD}.`,
        {status: 401},
      );
    }
    if (res.status === 401 || res.status === 403) {
      const page = id ? `${base}/${id}` : base;
      throw new HubError(
        'unauthorized',
        tok
          ? `${what} is gated or private and the token has no access (${st}). Accept the model's terms on ${page} with the token's account, or use a token with read access; or ${FORWARD}.`
          : `${what} is gated or private (${st}). Accept its terms on ${page}, then add a Hugging Face access token (read) under "Access token"; or ${FORWARD}.`,
        {status: res.status},
      );
    }
    if (res.status === 404) {
      if (code === 'RevisionNotFound')
        throw new HubError(
          'no_revision',
          `Revision not found for ${what} (${st}). Check the revision (a branch, tag or commit), or leave it empty for main.`,
          {status: 404},
        );
      if (code === 'RepoNotFound')
        throw new HubError(
          'not_found',
          `No model repository for ${what} (${st}). Check the id (org/name)${tok ? '' : '; a private repo needs an access token'}; or ${FORWARD}.`,
          {status: 404},
        );
      throw new HubError('no_file', `${what} not found (${st}).`, {status: 404});
    }
    if (res.status === 429) {
      const after = res.headers.get('Retry-After');
      throw new HubError(
        'rate_limited',
        `The Hub is rate-limiting requests (${st}${after ? `, retry after ${after} s` : ''}). Wait and retry${tok ? '' : ' (requests with an access token get higher limits)'}; or ${FORWARD}.`,
        {status: 429, retryable: true},
      );
    }
    if (res.status >= 500)
      throw new HubError(
        'server_error',
        `${host} failed (${st}) serving ${what}. Retry in a few minutes; or ${FORWARD}.`,
        {status: res.status, retryable: true},
      );
    throw new HubError('http', `Unexpected ${st} for ${what}. Retry; or ${FORWARD}.`, {
      status: res.status,
      retryable: true,
    });
  }

  function parseJson(text, what) {
    try {
      return JSON.parse(text);
    } catch {
      throw new HubError(
        'invalid',
        `The answer for ${what} is not JSON (starts "${startOf(text)}"; a proxy or captive portal?). Retry; or ${FORWARD}.`,
        {retryable: true},
      );
    }
  }

  const label = (id, rev, file) => `${id}/${file}${rev === 'main' ? '' : ` at ${rev}`}`;

  return {
    endpoint: base,
    host,
    hasToken: Boolean(tok),

    /** Model search: [{id, downloads, pipeline_tag, gated}], most downloaded first. */
    async search(query, {signal, limit = 8} = {}) {
      const q = new URLSearchParams({
        search: String(query).trim(),
        limit: String(limit),
        sort: 'downloads',
        direction: '-1',
      });
      const {body} = await request(`${base}/api/models?${q}`, `the model search`, {signal});
      const list = parseJson(body, 'the model search');
      if (!Array.isArray(list))
        throw new HubError('invalid', 'The model search did not answer a list.');
      return list
        .filter((m) => m && typeof m.id === 'string')
        .slice(0, limit)
        .map((m) => ({
          id: m.id,
          downloads: Number.isFinite(m.downloads) ? m.downloads : null,
          pipeline_tag: typeof m.pipeline_tag === 'string' ? m.pipeline_tag : '',
          gated: Boolean(m.gated),
        }));
    },

    /** Model info at a revision: {sha, files[]}. */
    async info(id, rev, {signal} = {}) {
      const what = `${id}${rev === 'main' ? '' : ` at ${rev}`}`;
      const url = `${base}/api/models/${enc(id)}${rev === 'main' ? '' : `/revision/${encodeURIComponent(rev)}`}`;
      const {body} = await request(url, what, {signal, id});
      const info = parseJson(body, `the model info of ${id}`);
      if (!info || typeof info !== 'object' || !Array.isArray(info.siblings))
        throw new HubError('invalid', `The model info of ${id} has no file list.`);
      return {
        sha: typeof info.sha === 'string' ? info.sha : '',
        files: info.siblings.map((s) => s?.rfilename).filter((f) => typeof f === 'string'),
      };
    },

    /**
     * A JSON file of the repo (config.json, model.safetensors.index.json),
     * parsed; `maxBytes` is the core plan's cap (limits.json_file_bytes).
     */
    async json(id, rev, file, {signal, maxBytes = Infinity} = {}) {
      const what = label(id, rev, file);
      const {body} = await request(resolveUrl(id, rev, file), what, {signal, id});
      if (body.length > maxBytes)
        throw new HubError('invalid', `${what} is over ${maxBytes >> 20} MiB: not a model file.`);
      if (file === 'config.json' || file === 'params.json') {
        try {
          return parseConfigText(body);
        } catch (e) {
          throw new HubError(
            'invalid',
            `${what} is not a JSON object (${e.message}; starts "${startOf(body)}", a proxy or captive portal?). Retry; or ${FORWARD}.`,
            {retryable: true},
          );
        }
      }
      return parseJson(body, what);
    },

    /**
     * Bytes [from, to] of a file by a Range request. A server that ignores
     * Range (200 with the whole file) is accepted when it sent enough.
     * `allowShort`: a file that ends before `to` is not an error (GGUF reads
     * ask for more than small files hold).
     */
    async bytes(id, rev, file, from, to, {signal, allowShort = false} = {}) {
      const what = label(id, rev, file);
      const {res, body} = await request(resolveUrl(id, rev, file), what, {
        signal,
        id,
        range: [from, to],
      });
      const want = to - from + 1;
      const slice = res.status === 206 ? body : body.subarray(from, to + 1);
      if (slice.length < want && !allowShort) {
        throw new HubError(
          'truncated',
          `${what}: asked for bytes ${from}-${to}, got ${plural(slice.length, 'byte')}. Retry; or ${FORWARD}.`,
          {retryable: true},
        );
      }
      return slice.subarray(0, Math.min(want, slice.length));
    },
  };
}
