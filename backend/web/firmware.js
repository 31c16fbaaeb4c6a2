// Firmware updates in the web app (docs/ota.md "Web app"): the uploaded images with the upload form, and
// per meter the installed version, an "update to …" button and the update's progress and result.
import { api, ApiError, token } from './api.js';
import { announce, ago, errorText, h, show } from './dom.js';

const POLL_MS = 1000;

/** What each OTA state (shared/src/protocol/messages.ts OTA_STATES) means to the installer. */
const STATE_TEXT = {
  downloading: 'downloading',
  rebooting: 'rebooting into the new image',
  pending: 'new image running, waiting for it to reach the backend',
  confirmed: 'confirmed',
  failed: 'refused',
  rolled_back: 'rolled back',
};
const FINAL_STATES = new Set(['confirmed', 'failed', 'rolled_back']);

function kib(bytes) {
  return `${Math.round(bytes / 1024)} KiB`;
}

/** multipart/form-data upload (api() speaks JSON only). */
async function uploadImage(form) {
  const response = await fetch('/api/firmware', { method: 'POST', headers: { authorization: `Bearer ${token()}` }, body: new FormData(form) });
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event('dinmeter:unauthorized'));
    const message = Array.isArray(data?.message) ? data.message.join('; ') : (data?.message ?? response.statusText);
    throw new ApiError(response.status, response.status === 403 ? 'Uploading firmware needs an admin token.' : message);
  }
  return data;
}

/** The #/firmware page: uploaded images, newest first, and the upload form. */
export function firmwarePage() {
  const body = h('tbody');
  const error = h('p', { class: 'error', role: 'alert', id: 'upload-error' });
  const done = h('p', { role: 'status', id: 'upload-status' });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Upload image');
  const form = h(
    'form',
    {
      id: 'firmware-upload',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        done.textContent = '';
        submit.disabled = true;
        try {
          const image = await uploadImage(form);
          done.textContent = `Firmware ${image.version} uploaded (${kib(image.sizeBytes)}, signature verified).`;
          form.reset();
          await load();
        } catch (e) {
          error.textContent = errorText(e);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('label', { for: 'fw-image' }, 'Image file'),
    h('input', { id: 'fw-image', name: 'image', type: 'file', required: true }),
    h('label', { for: 'fw-version' }, 'Version'),
    h('input', { id: 'fw-version', name: 'version', required: true, autocomplete: 'off', placeholder: '0.2.0' }),
    h('label', { for: 'fw-signature' }, 'Signature (hex)'),
    h('input', { id: 'fw-signature', name: 'signature', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'fw-signature-hint' }),
    h('p', { class: 'hint', id: 'fw-signature-hint' }, 'The last line of `npm run dinmeter -- firmware sign <image> --key PEM --version V`. The backend checks it against its firmware key and keeps nothing that does not verify.'),
    error,
    done,
    h('p', {}, submit),
  );
  show(
    h('h1', {}, 'Firmware'),
    h('table', { id: 'firmware-images' }, h('caption', { class: 'visually-hidden' }, 'Uploaded firmware images'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Uploaded'))), body),
    h('h2', {}, 'Upload a signed image'),
    form,
  );
  const load = async () => {
    try {
      const images = await api('GET', '/firmware');
      body.replaceChildren(...(images.length === 0 ? [h('tr', {}, h('td', { colspan: 3 }, 'No images uploaded yet.'))] : []));
      for (const image of [...images].reverse()) {
        body.append(h('tr', { 'data-version': image.version }, h('td', {}, image.version), h('td', {}, kib(image.sizeBytes)), h('td', {}, ago(image.uploadedAt))));
      }
    } catch (e) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: 3, class: 'error' }, errorText(e))));
    }
  };
  load();
  return () => {};
}

/**
 * The firmware panel of a meter's page: installed version, "Update to …", live progress (GET
 * /api/devices/:id/firmware polled once a second) and the result. Returns the panel and its stop().
 */
export function firmwarePanel(deviceId) {
  const path = `/devices/${encodeURIComponent(deviceId)}/firmware`;
  const title = h('h2', { id: 'fw-title' }, 'Firmware');
  const installed = h('span', { id: 'fw-installed' }, '…');
  const version = h('select', { id: 'fw-target' });
  const update = h('button', { type: 'button', class: 'primary', id: 'fw-update', disabled: true }, 'Update');
  const bar = h('progress', { id: 'fw-progress', max: 100, hidden: true, 'aria-labelledby': 'fw-state' });
  // The state line is the live region: announced when it changes (once per state, not per percent).
  const state = h('p', { id: 'fw-state', class: 'status', 'aria-live': 'polite' });
  const percent = h('span', { id: 'fw-percent', 'aria-hidden': 'true' });
  const error = h('p', { class: 'error', role: 'alert', id: 'fw-error' });
  let timer;
  let stopped = false;
  let lastAnnounced = '';

  const render = (firmware) => {
    installed.textContent = firmware.installed ?? 'unknown (no status yet)';
    const ota = firmware.ota;
    // Until the meter reports on the version last sent, its status still tells the previous update.
    if (!ota || (firmware.rollout && firmware.rollout.version !== ota.version)) {
      bar.hidden = true;
      percent.textContent = '';
      state.textContent = firmware.rollout ? `Update to ${firmware.rollout.version} sent, waiting for the meter…` : 'No update in progress.';
      delete state.dataset.state;
      state.className = 'status';
      return;
    }
    const fraction = ota.size ? Math.min(1, (ota.bytes ?? 0) / ota.size) : undefined;
    bar.hidden = fraction === undefined || FINAL_STATES.has(ota.state);
    if (fraction !== undefined) bar.value = Math.round(fraction * 100);
    percent.textContent = fraction !== undefined && !FINAL_STATES.has(ota.state) ? ` ${Math.round(fraction * 100)} %` : '';
    const text = `${ota.version}: ${STATE_TEXT[ota.state] ?? ota.state}${ota.error ? ` (${ota.error})` : ''}`;
    state.textContent = text;
    state.dataset.state = ota.state;
    state.className = `status ${ota.state === 'confirmed' ? 'ok' : ota.state === 'failed' || ota.state === 'rolled_back' ? 'error' : ''}`;
    if (text !== lastAnnounced && FINAL_STATES.has(ota.state)) announce(`Firmware ${text}`);
    lastAnnounced = text;
  };

  const poll = async () => {
    try {
      render(await api('GET', path));
      error.textContent = '';
    } catch (e) {
      error.textContent = errorText(e);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };

  const loadImages = async () => {
    const images = await api('GET', '/firmware');
    version.replaceChildren(...[...images].reverse().map((image) => h('option', { value: image.version }, image.version)));
    update.disabled = images.length === 0;
    update.textContent = images.length === 0 ? 'Update (no images uploaded)' : `Update to ${version.value}`;
  };
  version.addEventListener('change', () => (update.textContent = `Update to ${version.value}`));

  update.addEventListener('click', async () => {
    update.disabled = true;
    error.textContent = '';
    try {
      await api('POST', path, { version: version.value });
      state.textContent = `Update to ${version.value} sent, waiting for the meter…`;
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 403 ? 'Starting an update needs an admin token.' : errorText(e);
    } finally {
      update.disabled = false;
    }
  });

  const element = h(
    'section',
    { class: 'firmware', 'aria-labelledby': 'fw-title' },
    title,
    h('p', {}, 'Installed: ', installed),
    h('label', { for: 'fw-target' }, 'Version to install'),
    version,
    h('div', { class: 'actions' }, update, h('a', { class: 'button', href: '#/firmware' }, 'Images…')),
    h('div', { class: 'progress' }, bar, percent),
    state,
    error,
  );
  loadImages().catch((e) => (error.textContent = errorText(e)));
  poll();
  return {
    element,
    /** Scrolls to the panel and moves focus to its heading. */
    focus() {
      title.setAttribute('tabindex', '-1');
      title.focus();
      title.scrollIntoView({ block: 'start' });
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
