// The commissioning web app (docs/commissioning.md): hash routes, one module per page.
import { api, forgetToken, saveToken, token } from './api.js';
import { ago, announce, errorText, h, show } from './dom.js';
import { addMeterPage } from './add-meter.js';
import { livePage } from './live.js';
import { firmwarePage } from './firmware.js';

let leavePage = () => {};

function route() {
  leavePage();
  leavePage = () => {};
  document.getElementById('logout').hidden = !token();
  if (!token()) return loginPage();
  const hash = location.hash.replace(/^#/, '') || '/';
  const meter = hash.match(/^\/meter\/([^/]+)$/);
  if (meter) leavePage = livePage(decodeURIComponent(meter[1]));
  else if (hash === '/add') leavePage = addMeterPage();
  else if (hash === '/firmware') leavePage = firmwarePage();
  else metersPage();
}

function loginPage() {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'token-hint login-error' });
  const remember = h('input', { id: 'remember', type: 'checkbox' });
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const candidate = input.value.trim();
        try {
          // Checked before it is kept: a refused token must not trigger the app-wide log-out.
          const response = await fetch('/api/devices', { headers: { authorization: `Bearer ${candidate}` } });
          if (!response.ok) throw new Error(response.status === 401 ? 'This token is not valid.' : `The backend answered ${response.status}.`);
          saveToken(candidate, remember.checked);
          announce('Logged in');
          route();
        } catch (e) {
          error.textContent = errorText(e);
          input.focus();
        }
      },
    },
    h('label', { for: 'token' }, 'REST token'),
    input,
    h('p', { class: 'hint', id: 'token-hint' }, '`npm start` prints one (export DINMETER_TOKEN=…); `npm run dinmeter -- token create --role admin` makes another.'),
    h('label', { class: 'inline' }, remember, 'Remember on this device'),
    error,
    h('button', { class: 'primary', type: 'submit' }, 'Log in'),
  );
  show(h('h1', {}, 'Log in'), form);
}

async function metersPage() {
  const grafana = h('input', { id: 'grafana', type: 'url', placeholder: 'http://grafana.local:3000', value: localStorage.getItem('dinmeter.grafana') ?? '' });
  const body = h('tbody');
  show(
    h('h1', {}, 'Meters'),
    h('p', {}, h('a', { class: 'button', href: '#/add' }, 'Add a meter')),
    h('table', {}, h('caption', { class: 'visually-hidden' }, 'Meters known to this backend'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Meter'), h('th', { scope: 'col' }, 'Connection'), h('th', { scope: 'col' }, 'Last record'))), body),
    h(
      'details',
      {},
      h('summary', {}, 'Grafana'),
      h('label', { for: 'grafana' }, 'Grafana address (for the dashboard links)'),
      grafana,
      h('p', {}, h('button', { type: 'button', onclick: () => (localStorage.setItem('dinmeter.grafana', grafana.value.trim()), announce('Grafana address saved')) }, 'Save')),
    ),
  );
  try {
    const devices = await api('GET', '/devices');
    if (devices.length === 0) body.append(h('tr', {}, h('td', { colspan: 3 }, 'No meters yet: add one.')));
    for (const device of devices) {
      body.append(
        h(
          'tr',
          { 'data-device': device.id },
          h('td', {}, h('a', { href: `#/meter/${encodeURIComponent(device.id)}` }, device.id)),
          h('td', {}, h('span', { class: `badge ${device.online ? 'ok' : 'off'}` }, device.online ? 'online' : 'offline')),
          h('td', {}, ago(device.lastTelemetryTs)),
        ),
      );
    }
  } catch (e) {
    body.append(h('tr', {}, h('td', { colspan: 3, class: 'error' }, errorText(e))));
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('dinmeter:unauthorized', () => {
  forgetToken();
  route();
});
document.getElementById('logout').addEventListener('click', () => {
  forgetToken();
  location.hash = '#/';
  route();
});
route();
