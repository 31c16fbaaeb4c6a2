// Live view of one meter: every circuit's V, I, P, PF from GET /api/devices/:id/live (server-sent events),
// relay state and chip health; the CT check with its one-click flip, the relay test, the circuit settings.
import { api, settled, subscribe } from './api.js';
import { ago, announce, errorText, h, show } from './dom.js';
import { firmwarePanel } from './firmware.js';

const FLAG_TEXT = {
  'ct-reversed?': 'CT reversed?',
  'below-ct-range': 'Below the CT range',
};

let ctModels;

export function livePage(deviceId) {
  const abort = new AbortController();
  const cards = new Map();
  const waiters = new Set();
  let latest;
  const connection = h('span', { class: 'badge off', id: 'connection' }, 'connecting…');
  const lastRecord = h('span', { id: 'last-record' });
  const list = h('ul', { class: 'circuits', 'aria-label': 'Circuits' });
  const speak = h('input', { id: 'speak', type: 'checkbox', onchange: () => cards.forEach((card) => card.values.setAttribute('aria-live', speak.checked ? 'polite' : 'off')) });
  const grafana = localStorage.getItem('dinmeter.grafana');
  const firmware = firmwarePanel(deviceId);
  show(
    h('h1', {}, `Meter ${deviceId}`),
    h(
      'div',
      { class: 'meta' },
      connection,
      h('span', {}, 'Last record: ', lastRecord),
      grafana ? h('a', { href: `${grafana.replace(/\/$/, '')}/d/dinmeter-circuits?var-device=${encodeURIComponent(deviceId)}`, target: '_blank', rel: 'noopener' }, 'Grafana dashboard') : h('a', { href: '#/' }, 'Set the Grafana address on the meters page'),
      h('label', { class: 'inline' }, speak, 'Announce live values'),
      // The firmware panel sits below ten circuits: one step there for phone and keyboard users.
      h('button', { type: 'button', class: 'link', onclick: () => firmware.focus() }, 'Firmware'),
    ),
    list,
    firmware.element,
  );

  /** Resolves with the first snapshot for which `test` holds (or undefined after timeoutMs). */
  const nextSnapshot = (test, timeoutMs) =>
    new Promise((resolve) => {
      const waiter = (snapshot) => test(snapshot) && (waiters.delete(waiter), clearTimeout(timer), resolve(snapshot));
      const timer = setTimeout(() => (waiters.delete(waiter), resolve(undefined)), timeoutMs);
      waiters.add(waiter);
    });

  const onSnapshot = (snapshot) => {
    latest = snapshot;
    connection.className = `badge ${snapshot.online ? 'ok' : 'bad'}`;
    connection.textContent = snapshot.online ? 'meter online' : 'meter offline';
    lastRecord.textContent = ago(snapshot.lastTelemetryTs);
    for (const circuit of snapshot.circuits) {
      if (!cards.has(circuit.circuit)) {
        const card = circuitCard(deviceId, circuit, { nextSnapshot, latest: () => latest });
        cards.set(circuit.circuit, card);
        list.append(card.element);
        card.values.setAttribute('aria-live', speak.checked ? 'polite' : 'off');
      }
      cards.get(circuit.circuit).update(circuit);
    }
    for (const waiter of [...waiters]) waiter(snapshot);
  };

  subscribe(`/devices/${encodeURIComponent(deviceId)}/live`, (name, data) => name === 'snapshot' && onSnapshot(data), {
    signal: abort.signal,
    onState: (state, error) => {
      if (state === 'open') return;
      connection.className = 'badge warn';
      connection.textContent = error?.status === 404 ? 'unknown meter' : 'reconnecting…';
    },
  });
  return () => {
    abort.abort();
    firmware.stop();
  };
}

function number(value, digits, unit) {
  return value === undefined ? '–' : `${value.toFixed(digits)} ${unit}`.trim();
}

function circuitCard(deviceId, initial, { nextSnapshot, latest }) {
  const n = initial.circuit;
  const base = `/devices/${encodeURIComponent(deviceId)}/circuits/${n}`;
  const title = h('h2', { id: `c${n}-title` });
  const relay = h('span', { class: 'badge' });
  const health = h('span', { class: 'badge' });
  const cell = (name, key) => {
    const dd = h('dd', { 'data-field': key });
    return [h('div', {}, h('dt', {}, name), dd), dd];
  };
  const [vBox, v] = cell('Voltage', 'voltage_v');
  const [iBox, i] = cell('Current', 'current_a');
  const [pBox, p] = cell('Power', 'power_w');
  const [pfBox, pf] = cell('PF', 'pf');
  const values = h('dl', { class: 'values', 'aria-labelledby': `c${n}-title` }, vBox, iBox, pBox, pfBox);
  const flags = h('p', { class: 'flags' });
  const status = h('p', { class: 'status', role: 'status' });
  const flipButton = h('button', { type: 'button', class: 'primary', hidden: true }, 'Flip CT direction');
  const relayButton = h('button', { type: 'button' }, 'Relay test');
  const busy = async (button, work) => {
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      status.textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  };
  const confirmed = async (commandId, what) => {
    status.textContent = `${what}: waiting for the meter…`;
    const record = await settled(commandId);
    const ok = record.status === 'acked';
    status.textContent = ok ? `${what}: confirmed by the meter.` : `${what}: ${record.status}${record.error ? ` (${record.error})` : ''}.`;
    announce(`Circuit ${n}: ${status.textContent}`);
    return ok;
  };

  flipButton.addEventListener('click', () =>
    busy(flipButton, async () => {
      const { commandId, ctReversed } = await api('POST', `${base}/ct-flip`);
      await confirmed(commandId, ctReversed ? 'CT direction flipped' : 'CT direction restored');
    }),
  );

  relayButton.addEventListener('click', () =>
    busy(relayButton, async () => {
      const reading = (s) => s?.circuits[n - 1]?.reading;
      const before = reading(latest())?.current_a ?? 0;
      const off = await api('POST', `${base}/relay`, { state: 'off' });
      if (!(await confirmed(off.commandId, 'Relay off'))) return;
      const limit = Math.max(0.05, before * 0.1);
      const dropped = await nextSnapshot((s) => s.circuits[n - 1].relay?.state === 'off' && (reading(s)?.current_a ?? 0) <= limit, 30_000);
      const after = reading(dropped ?? latest())?.current_a ?? 0;
      const on = await api('POST', `${base}/relay`, { state: 'on' });
      const back = await confirmed(on.commandId, 'Relay back on');
      status.textContent = dropped
        ? `Relay test passed: ${before.toFixed(2)} A → ${after.toFixed(2)} A with the relay off${back ? ', switched back on' : ''}.`
        : `Relay test: the current did not drop (${before.toFixed(2)} A → ${after.toFixed(2)} A): check the wiring.`;
      announce(`Circuit ${n}: ${status.textContent}`);
    }),
  );

  const settings = settingsForm(n, base, status, confirmed);
  const automation = automationEditor(base, status);
  const element = h(
    'li',
    { class: 'circuit', 'data-circuit': n, 'aria-labelledby': `c${n}-title` },
    h('header', {}, title, h('span', {}, relay, ' ', health)),
    values,
    flags,
    h('div', { class: 'actions' }, flipButton, relayButton),
    status,
    settings.element,
    automation,
  );

  return {
    element,
    values,
    update(c) {
      title.textContent = `${n}${c.label ? ` · ${c.label}` : ''}`;
      relay.textContent = c.relayFitted ? `relay ${c.relay?.state ?? '?'}${c.relay?.tripped ? ' (tripped)' : ''}` : 'no relay';
      relay.className = `badge ${c.relay?.state === 'on' ? 'ok' : 'off'}`;
      health.textContent = `chip ${c.health?.state ?? '?'}`;
      health.className = `badge ${c.health?.state === 'ok' ? 'ok' : c.health?.state === 'failed' ? 'bad' : 'warn'}`;
      v.textContent = number(c.reading?.voltage_v, 1, 'V');
      i.textContent = number(c.reading?.current_a, 2, 'A');
      p.textContent = number(c.reading?.power_w, 0, 'W');
      pf.textContent = number(c.reading?.pf, 2, '');
      const flagged = c.flags.length > 0;
      element.classList.toggle('flagged', flagged);
      const text = c.flags.map((f) => FLAG_TEXT[f] ?? f).join(' · ');
      if (flags.textContent !== text) {
        flags.replaceChildren(...c.flags.map((f) => h('span', { class: 'badge warn', 'data-flag': f }, FLAG_TEXT[f] ?? f)));
        if (flagged) announce(`Circuit ${n}: ${text}`);
      }
      flipButton.hidden = !c.flags.includes('ct-reversed?') && !c.ctReversed;
      flipButton.textContent = c.ctReversed ? 'Undo CT flip' : 'Flip CT direction';
      relayButton.hidden = !c.relayFitted;
      settings.update(c);
    },
  };
}

function settingsForm(n, base, status, confirmed) {
  const id = (name) => `c${n}-${name}`;
  const label = h('input', { id: id('label'), maxlength: 64 });
  const ct = h('select', { id: id('ct') });
  const relayFitted = h('input', { id: id('relay-fitted'), type: 'checkbox' });
  const failsafe = h('select', { id: id('failsafe') }, h('option', { value: '' }, 'unchanged'), h('option', { value: 'hold' }, 'hold'), h('option', { value: 'on' }, 'on'), h('option', { value: 'off' }, 'off'));
  const failsafeAfter = h('input', { id: id('failsafe-after'), type: 'number', min: 1, max: 86400, value: 120, inputmode: 'numeric' });
  const powerOn = h('select', { id: id('power-on') }, h('option', { value: '' }, 'unchanged'), h('option', { value: 'restore' }, 'restore'), h('option', { value: 'on' }, 'on'), h('option', { value: 'off' }, 'off'));
  let current;
  const loadModels = async () => {
    ctModels ??= await api('GET', '/ct-models');
    if (!ct.options.length) ct.append(...ctModels.map((m) => h('option', { value: m.id }, `${m.id} (${m.ratedCurrentA} A)`)));
    if (current) ct.value = current.ctModel;
  };
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const change = {};
        if (label.value !== (current.label ?? '')) change.label = label.value;
        if (ct.value && ct.value !== current.ctModel) change.ctModel = ct.value;
        if (relayFitted.checked !== current.relayFitted) change.relayFitted = relayFitted.checked;
        if (failsafe.value) change.failsafe = { mode: failsafe.value, afterSeconds: Number(failsafeAfter.value) };
        if (powerOn.value) change.powerOnState = powerOn.value;
        if (Object.keys(change).length === 0) return (status.textContent = 'Nothing changed.');
        try {
          const result = await api('PUT', `${base}/setup`, change);
          if (result.configCommandId) await confirmed(result.configCommandId, 'Settings');
          if (result.calibrationCommandId) await confirmed(result.calibrationCommandId, `Calibration for ${change.ctModel}`);
          if (!result.configCommandId && !result.calibrationCommandId) status.textContent = 'Saved.';
        } catch (e) {
          status.textContent = errorText(e);
        }
      },
    },
    h('label', { for: id('label') }, 'Label'),
    label,
    h('label', { for: id('ct') }, 'CT model'),
    ct,
    h('p', { class: 'hint' }, 'The calibration is computed from the model and sent to the meter.'),
    h('label', { class: 'inline' }, relayFitted, 'Relay module fitted'),
    h('label', { for: id('failsafe') }, 'Failsafe (backend unreachable)'),
    failsafe,
    h('label', { for: id('failsafe-after') }, 'Failsafe after (seconds)'),
    failsafeAfter,
    h('label', { for: id('power-on') }, 'Power-on state'),
    powerOn,
    h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Save circuit settings')),
  );
  const element = h('details', { ontoggle: (e) => e.target.open && loadModels().catch((error) => (status.textContent = errorText(error))) }, h('summary', {}, 'Settings'), form);
  return {
    element,
    update(c) {
      const first = !current;
      current = c;
      if (first || document.activeElement !== label) label.value = c.label ?? '';
      if (first) relayFitted.checked = c.relayFitted;
      if (ct.options.length && document.activeElement !== ct) ct.value = c.ctModel;
    },
  };
}

function automationEditor(base, status) {
  const area = h('textarea', { 'aria-label': 'Automation rule (JSON)', spellcheck: 'false' });
  const load = async () => {
    const { mode, schedule, cheapest, threshold, guards } = await api('GET', `${base}/automation`);
    area.value = JSON.stringify({ mode, schedule, cheapest, threshold, guards }, null, 2);
  };
  return h(
    'details',
    { ontoggle: (e) => e.target.open && load().catch((error) => (status.textContent = errorText(error))) },
    h('summary', {}, 'Automation rule'),
    h('p', { class: 'hint' }, 'mode: manual, schedule, cheapest or threshold, with its settings and guards (docs/automation.md).'),
    area,
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            try {
              await api('PUT', `${base}/automation`, JSON.parse(area.value));
              status.textContent = 'Automation rule saved.';
              await load();
            } catch (e) {
              status.textContent = errorText(e);
            }
          },
        },
        'Save rule',
      ),
    ),
  );
}
