// The controller's REST API as the page uses it. The token lives in sessionStorage (this
// tab only, gone when it closes) and goes with every request as Authorization: Bearer,
// the live stream included (fetch with a reader: EventSource cannot send headers).
// Paths are relative, so the dashboard works behind a reverse proxy's path prefix.

const TOKEN_KEY = 'hostlink.token';

/** True for the error a fetch or a wait throws when its signal aborts it. */
export function isAbort(error) {
  return error instanceof Error && error.name === 'AbortError';
}

export class ApiError extends Error {
  constructor(status, errorClass, message) {
    super(message);
    this.status = status;
    this.errorClass = errorClass;
  }
}

/** @type {(error: ApiError) => void} */
let unauthorizedHandler = () => {};

/** Called when the API answers 401 to a request made with the stored token. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

function headers(token, json) {
  const result = { accept: 'application/json' };
  if (json) result['content-type'] = 'application/json';
  if (token) result.authorization = `Bearer ${token}`;
  return result;
}

async function failure(response, probe) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = new ApiError(response.status, body?.error?.class ?? 'HttpError', body?.error?.message ?? `the controller answered HTTP ${response.status}`);
  if (response.status === 401 && !probe) unauthorizedHandler(error);
  return error;
}

async function send(path, options) {
  const { method = 'GET', body, signal, token = getToken() } = options;
  try {
    return await fetch(path, { method, headers: headers(token, body !== undefined), body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, 'Unreachable', 'the controller did not answer');
  }
}

/**
 * A JSON request. `probe: true` reports a 401 to the caller only (the login form's check);
 * otherwise a 401 also tells the page to ask for the token again.
 */
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (!response.ok) throw await failure(response, options.probe);
  try {
    return await response.json();
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(response.status, 'ProtocolError', 'the controller answered with something that is not JSON');
  }
}

/** /v1/jobs/ID/stream: yields each NDJSON event until the controller ends the stream. */
export async function* streamEvents(path, signal) {
  const response = await send(path, { signal });
  if (!response.ok) throw await failure(response, false);
  if (!response.body) throw new ApiError(response.status, 'ProtocolError', 'the controller answered without a body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== '') yield JSON.parse(line);
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

export function jobPath(id, sub = '') {
  return `v1/jobs/${encodeURIComponent(id)}${sub ? `/${sub}` : ''}`;
}
