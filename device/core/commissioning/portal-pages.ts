/**
 * The portal's HTML: one form and one status page, small (a phone in a fuse-box corner, served
 * from an ESP32) and accessible: every control has a label, errors are listed first with links to
 * their fields and marked on the field (aria-invalid, aria-describedby), each circuit is a
 * fieldset with a legend, no script is needed. Every value put into the page is escaped.
 */
import { CIRCUIT_COUNT, CtModel } from '@dinmeter/shared';
import type { CommissioningStatus } from './commissioning';
import { CIRCUIT_DEFAULTS, circuitField, FormContext } from './setup-form';

const STYLE =
  'body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:34rem;padding:.75rem}' +
  'label,legend{display:block;font-weight:600;margin-top:.6rem}' +
  'input,select,button{font:inherit;box-sizing:border-box;width:100%;min-height:2.75rem;margin-top:.2rem}' +
  'input[type=radio],input[type=checkbox]{width:auto;min-height:auto;margin-right:.4rem}' +
  '.choice{font-weight:400;display:flex;align-items:center}' +
  'fieldset{border:1px solid #888;margin:.8rem 0;padding:.4rem .7rem .7rem}' +
  '.err{color:#a00000;font-weight:600}.hint{color:#444;font-size:.9rem}' +
  '[aria-invalid=true]{border:2px solid #a00000}:focus{outline:3px solid #0050b3;outline-offset:2px}' +
  'button{background:#0050b3;color:#fff;border:0;border-radius:.3rem;margin-top:1rem}' +
  'details{margin:.5rem 0}summary{min-height:2.75rem;display:flex;align-items:center;cursor:pointer}';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** "SCT-013-000 100 A : 50 mA", "SCT-013-030 30 A : 1 V": the rating printed on the CT. */
function ctLabel(model: CtModel): string {
  const out = model.output.kind === 'current' ? `${model.output.ratedOutputA * 1000} mA` : `${model.output.ratedOutputV} V`;
  return `${model.id} ${model.ratedCurrentA} A : ${out}`;
}

function page(title: string, body: string, refreshS?: number): string {
  const refresh = refreshS === undefined ? '' : `<meta http-equiv="refresh" content="${refreshS}">`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export interface FormPageInput {
  deviceId: string;
  context: FormContext;
  /** Submitted (or saved) values by field name, shown again; the Wi-Fi password never is. */
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  /** An error of the last attempt (join, claim), shown above the form. */
  attemptError?: string;
}

export function formPage(input: FormPageInput): string {
  const { values, errors } = input;
  const v = (name: string, fallback = '') => escapeHtml(values[name] ?? fallback);
  const errId = (name: string) => `${name}-err`;
  const invalid = (name: string, hintId?: string) => {
    const ids = [errors[name] ? errId(name) : '', hintId ?? ''].filter(Boolean).join(' ');
    return `${errors[name] ? ' aria-invalid="true"' : ''}${ids ? ` aria-describedby="${ids}"` : ''}`;
  };
  const error = (name: string) => (errors[name] ? `<p class="err" id="${errId(name)}">${escapeHtml(errors[name])}</p>` : '');
  const input_ = (name: string, label: string, attrs: string, hint?: string) =>
    `<label for="${name}">${label}</label>${hint ? `<span class="hint" id="${name}-hint">${hint}</span>` : ''}${error(name)}<input id="${name}" name="${name}" ${attrs}${invalid(name, hint ? `${name}-hint` : undefined)}>`;
  const select = (name: string, label: string, options: readonly [string, string][], selected: string) =>
    `<label for="${name}">${label}</label>${error(name)}<select id="${name}" name="${name}"${invalid(name)}>${options
      .map(([value, text]) => `<option value="${escapeHtml(value)}"${value === selected ? ' selected' : ''}>${escapeHtml(text)}</option>`)
      .join('')}</select>`;

  const summary = Object.keys(errors);
  const parts: string[] = [`<h1>Set up meter ${escapeHtml(input.deviceId)}</h1>`];
  if (input.attemptError) parts.push(`<div role="alert"><p class="err">${escapeHtml(input.attemptError)}</p></div>`);
  if (summary.length > 0)
    parts.push(
      `<div role="alert" tabindex="-1" id="problems"><h2>${summary.length === 1 ? '1 field needs' : `${summary.length} fields need`} attention</h2><ul>${summary
        .map((name) => `<li><a href="#${name}">${escapeHtml(errors[name])}</a></li>`)
        .join('')}</ul></div>`,
    );
  parts.push('<form method="post" action="/" novalidate>');

  const network = values.network ?? 'wifi';
  parts.push('<fieldset><legend>Network</legend>');
  parts.push(error('network'));
  parts.push(`<label class="choice"><input type="radio" name="network" value="wifi"${network !== 'ethernet' ? ' checked' : ''}>Wi-Fi</label>`);
  if (input.context.ethernet)
    parts.push(`<label class="choice"><input type="radio" name="network" value="ethernet"${network === 'ethernet' ? ' checked' : ''}>Ethernet (cable in the meter's LAN port)</label>`);
  parts.push(input_('ssid', 'Wi-Fi name (SSID)', `type="text" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="32" value="${v('ssid')}"`));
  parts.push(input_('wifi_password', 'Wi-Fi password', 'type="password" autocomplete="off" maxlength="64"', 'Empty for an open network.'));
  parts.push('</fieldset>');

  parts.push('<fieldset><legend>Backend</legend>');
  parts.push(input_('backend', 'Backend address', `type="url" inputmode="url" autocapitalize="none" spellcheck="false" placeholder="http://192.168.1.20:3000" value="${v('backend')}"`));
  parts.push(input_('code', 'Claim code', `type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" placeholder="ABCD-EFGH" value="${v('code')}"`, 'Shown by the backend when you add a meter.'));
  parts.push('</fieldset>');

  parts.push('<h2>Circuits</h2><p class="hint">Open a circuit to change it. Untouched circuits keep the defaults.</p>');
  const cts = input.context.ctModels.map((m): [string, string] => [m.id, ctLabel(m)]);
  for (let k = 1; k <= CIRCUIT_COUNT; k++) {
    const f = circuitField(k);
    const hasError = Object.values(f).some((name) => errors[name]);
    const title = values[f.label] ? `Circuit ${k}: ${v(f.label)}` : `Circuit ${k}`;
    parts.push(`<details${hasError ? ' open' : ''}><summary>${title}</summary><fieldset><legend>Circuit ${k}</legend>`);
    parts.push(input_(f.label, 'Label', `type="text" maxlength="64" placeholder="e.g. Kitchen sockets" value="${v(f.label)}"`));
    parts.push(select(f.ct, 'Current transformer', cts, values[f.ct] ?? cts[0]?.[0] ?? ''));
    parts.push(`<label class="choice" for="${f.relay}"><input type="checkbox" id="${f.relay}" name="${f.relay}" value="yes"${values[f.relay] === 'yes' ? ' checked' : ''}>Relay fitted</label>`);
    parts.push(select(f.powerOn, 'After a power cut the relay is', [['restore', 'as before'], ['off', 'off'], ['on', 'on']], values[f.powerOn] ?? CIRCUIT_DEFAULTS.powerOnState));
    parts.push(select(f.failsafe, 'Without contact to the backend the relay', [['hold', 'stays as it is'], ['off', 'switches off'], ['on', 'switches on']], values[f.failsafe] ?? CIRCUIT_DEFAULTS.failsafe));
    parts.push(input_(f.failsafeS, 'after (seconds)', `type="number" inputmode="numeric" min="5" step="1" value="${v(f.failsafeS, String(CIRCUIT_DEFAULTS.failsafeS))}"`));
    parts.push('</fieldset></details>');
  }
  parts.push('<button type="submit">Connect the meter</button></form>');
  return page(`Set up ${input.deviceId}`, parts.join(''));
}

const PHASE_TEXT: Record<CommissioningStatus['phase'], string> = {
  operating: 'The meter is running normally.',
  portal: 'Waiting for the setup form.',
  joining: 'Joining the network…',
  claiming: 'Network joined. Claiming the meter at the backend…',
  done: 'Done: the meter is connected to the backend. You can leave this Wi-Fi.',
};

export function statusPage(deviceId: string, status: CommissioningStatus): string {
  const busy = status.phase === 'joining' || status.phase === 'claiming';
  const parts = [`<h1>Meter ${escapeHtml(deviceId)}</h1>`, `<p role="status">${escapeHtml(PHASE_TEXT[status.phase])}</p>`];
  if (status.phase === 'done' && status.deviceId) parts.push(`<p>It reports to the backend as <strong>${escapeHtml(status.deviceId)}</strong>.</p>`);
  if (status.error) parts.push(`<p class="err" role="alert">${escapeHtml(status.error)}</p>`);
  if (status.phase === 'portal') parts.push('<p><a href="/">Back to the setup form</a></p>');
  if (busy) parts.push('<p class="hint">This page refreshes by itself.</p>');
  return page(`Meter ${deviceId}`, parts.join(''), busy ? 2 : undefined);
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="/">Setup form</a></p>`);
}
