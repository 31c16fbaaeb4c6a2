/**
 * The portal's HTTP handler, the same on every platform: the platform's server turns a request
 * into a PortalRequest and writes the PortalResponse back (platform/moddable/portal-server.ts on
 * the `http` module, platform/host/portal-server.ts on node:http).
 *
 * Captive portal: the AP's DNS answers every name with the meter's address, so a phone's
 * connectivity probe lands here. Any request for another host, and the probe paths of Android
 * (`/generate_204`), Apple (`/hotspot-detect.html`) and Windows (`/connecttest.txt`), gets a 302
 * to the form: anything but the expected answer makes the phone open its sign-in window.
 */
import type { Commissioning } from './commissioning';
import { formPage, messagePage, statusPage } from './portal-pages';
import { FormContext, parseSetupForm, parseUrlEncoded } from './setup-form';

export interface PortalRequest {
  method: string;
  /** Path with an optional query, as on the request line. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
}

export interface PortalResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Largest form accepted: ten circuits of labels fit in well under 4 KB. */
export const MAX_FORM_BYTES = 8192;

export const CAPTIVE_PROBE_PATHS: readonly string[] = [
  '/generate_204', // Android
  '/gen_204', // Android, Chrome
  '/hotspot-detect.html', // Apple
  '/library/test/success.html', // Apple, older
  '/connecttest.txt', // Windows 10+
  '/ncsi.txt', // Windows, older
  '/redirect', // Windows, after the probe
];

export interface PortalHandlerOptions {
  commissioning: Commissioning;
  context: FormContext;
  deviceId: string;
  /** The address the portal is reached at (the AP's IP, or host:port on the virtual meter). */
  portalHost: string;
  /** Values to pre-fill the form with (what is saved now), by field name. */
  savedValues?: () => Record<string, string>;
}

export class PortalHandler {
  constructor(private readonly o: PortalHandlerOptions) {}

  handle(request: PortalRequest): PortalResponse {
    const path = request.path.split('?')[0];
    const host = (request.headers.host ?? '').toLowerCase();
    if ((host !== '' && host !== this.o.portalHost.toLowerCase()) || CAPTIVE_PROBE_PATHS.includes(path)) return this.toForm();
    const method = request.method.toUpperCase();
    if (path === '/' && method === 'POST') return this.submit(request);
    if (method !== 'GET' && method !== 'HEAD') return html(405, messagePage('Not allowed', `${method} is not used here.`), { allow: path === '/' ? 'GET, HEAD, POST' : 'GET, HEAD' });
    switch (path) {
      case '/':
        return this.form();
      case '/status':
        return html(200, statusPage(this.o.deviceId, this.o.commissioning.status));
      case '/status.json':
        return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(this.o.commissioning.status) };
      default:
        return html(404, messagePage('Not found', `There is no page ${path} on this meter.`));
    }
  }

  private form(): PortalResponse {
    const status = this.o.commissioning.status;
    if (status.phase === 'joining' || status.phase === 'claiming') return redirect('/status', 303);
    return html(200, formPage({ deviceId: this.o.deviceId, context: this.o.context, values: this.o.savedValues?.() ?? {}, errors: {}, attemptError: status.error }));
  }

  private submit(request: PortalRequest): PortalResponse {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return html(415, messagePage('Unsupported form', 'Send the form from the setup page.'));
    const body = request.body ?? '';
    if (body.length > MAX_FORM_BYTES) return html(413, messagePage('Form too large', `The form is limited to ${MAX_FORM_BYTES} bytes.`));
    let fields: Record<string, string>;
    try {
      fields = parseUrlEncoded(body);
    } catch (error) {
      return html(400, messagePage('Unreadable form', error instanceof Error ? error.message : String(error)));
    }
    const parsed = parseSetupForm(fields, this.o.context);
    const values = { ...fields };
    delete values.wifi_password;
    if (!parsed.ok) return html(400, formPage({ deviceId: this.o.deviceId, context: this.o.context, values, errors: parsed.errors }));
    const refused = this.o.commissioning.submit(parsed.setup);
    if (refused !== undefined) return html(409, messagePage('Not now', refused));
    return redirect('/status', 303);
  }

  private toForm(): PortalResponse {
    return redirect(`http://${this.o.portalHost}/`, 302);
  }
}

function html(status: number, body: string, extra: Record<string, string> = {}): PortalResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra }, body };
}

function redirect(location: string, status: 302 | 303): PortalResponse {
  return { status, headers: { location, 'cache-control': 'no-store', 'content-type': 'text/plain' }, body: '' };
}
