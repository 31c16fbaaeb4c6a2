// The REST API with the bearer token the login screen took (docs/commissioning.md). No build step: plain ES modules.
const TOKEN_KEY = 'dinmeter.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
}

export function saveToken(value, remember) {
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** One REST call; JSON in and out. A 401 sends the user back to the login screen. */
export async function api(method, path, body) {
  const response = await fetch(`/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event('dinmeter:unauthorized'));
    const message = Array.isArray(data?.message) ? data.message.join('; ') : (data?.message ?? response.statusText);
    throw new ApiError(response.status, message);
  }
  return data;
}

/**
 * Follows a command until the meter acknowledged it (or it failed or expired): the commission steps
 * count only once the meter confirmed them.
 */
export async function settled(commandId, { signal, timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await api('GET', `/commands/${encodeURIComponent(commandId)}`);
    if (record.status !== 'pending') return record;
    if (Date.now() > deadline || signal?.aborted) return { ...record, status: 'timeout' };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Server-sent events over fetch (EventSource cannot send the Authorization header). Calls
 * onEvent(name, data) per event; reconnects after a drop until `signal` aborts.
 */
export async function subscribe(path, onEvent, { signal, onState = () => {} } = {}) {
  while (!signal.aborted) {
    try {
      const response = await fetch(`/api${path}`, { headers: { authorization: `Bearer ${token()}`, accept: 'text/event-stream' }, signal });
      if (response.status === 401) {
        window.dispatchEvent(new Event('dinmeter:unauthorized'));
        return;
      }
      if (!response.ok) throw new ApiError(response.status, response.statusText);
      onState('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length) onEvent(name, JSON.parse(data.join('\n')));
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      onState('error', error);
    }
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
