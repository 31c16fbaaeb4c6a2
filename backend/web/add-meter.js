// Add a meter: an admin creates a claim code (typed or scanned as a QR code at the meter's setup portal);
// the page watches the claim until a meter redeemed it.
import { api } from './api.js';
import { announce, errorText, h, show } from './dom.js';

export function addMeterPage() {
  let timer;
  const result = h('section', { 'aria-live': 'polite', id: 'claim-result' });
  const error = h('p', { class: 'error', role: 'alert' });
  const deviceId = h('input', { id: 'device-id', name: 'deviceId', pattern: '[A-Za-z0-9_.\\-]{1,64}', 'aria-describedby': 'device-id-hint' });
  const label = h('input', { id: 'claim-label', name: 'label', maxlength: 64 });
  const minutes = h('select', { id: 'claim-minutes' }, ...[['60', '1 hour'], ['1440', '24 hours'], ['10080', '7 days']].map(([v, t]) => h('option', { value: v, selected: v === '1440' }, t)));
  const open = h('ul', { id: 'open-claims' });

  const refreshOpen = async () => {
    const claims = await api('GET', '/claims');
    open.replaceChildren(
      ...claims
        .filter((c) => c.state === 'open')
        .map((c) =>
          h('li', {}, `${c.label || c.deviceId || c.id}, valid until ${new Date(c.expiresAt).toLocaleString()} `, h('button', { type: 'button', class: 'danger', onclick: async () => (await api('DELETE', `/claims/${c.id}`), announce('Claim code revoked'), refreshOpen()) }, 'Revoke')),
        ),
    );
    if (!open.children.length) open.append(h('li', {}, 'none'));
    return claims;
  };

  const watch = (claimId) => {
    clearInterval(timer);
    timer = setInterval(async () => {
      const claim = (await refreshOpen()).find((c) => c.id === claimId);
      if (claim?.state !== 'redeemed') return;
      clearInterval(timer);
      const id = claim.redeemedBy.deviceId;
      result.append(h('p', { class: 'claimed' }, h('span', { class: 'badge ok' }, 'claimed'), ` Meter ${id} has its credentials. `, h('a', { href: `#/meter/${encodeURIComponent(id)}` }, `Open the live view of ${id}`)));
    }, 2000);
  };

  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        try {
          const claim = await api('POST', '/claims', { ...(deviceId.value ? { deviceId: deviceId.value } : {}), ...(label.value ? { label: label.value } : {}), ttlMinutes: Number(minutes.value) });
          const qr = h('img', { class: 'qr', alt: `QR code for claim code ${claim.code}`, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(claim.qrSvg)}` });
          result.replaceChildren(
            h('h2', {}, 'Claim code'),
            h(
              'div',
              { class: 'claim' },
              h('div', {}, h('p', { class: 'code', id: 'claim-code' }, claim.code), h('p', { class: 'hint' }, `Single use, valid until ${new Date(claim.expiresAt).toLocaleString()}.`), h('p', {}, "Enter it in the meter's setup portal (hold the setup button), with the Wi-Fi and this backend's address, or scan the QR code.")),
              qr,
            ),
          );
          announce(`Claim code ${claim.code.split('').join(' ')}`);
          watch(claim.id);
          await refreshOpen();
        } catch (e) {
          error.textContent = errorText(e);
        }
      },
    },
    h('label', { for: 'device-id' }, 'Meter id (optional)'),
    deviceId,
    h('p', { class: 'hint', id: 'device-id-hint' }, 'Letters, digits, _ . -; without one the meter keeps its own or gets meter-xxxxxx.'),
    h('label', { for: 'claim-label' }, 'Note (optional)'),
    label,
    h('label', { for: 'claim-minutes' }, 'Valid for'),
    minutes,
    error,
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Create claim code')),
  );
  show(h('h1', {}, 'Add a meter'), form, result, h('h2', {}, 'Open claim codes'), open);
  refreshOpen().catch((e) => (error.textContent = errorText(e)));
  return () => clearInterval(timer);
}
