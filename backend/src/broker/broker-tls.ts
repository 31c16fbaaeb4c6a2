import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface BrokerTlsFiles {
  cert: string;
  key: string;
  /** Where the CA certificate meters and clients verify the broker with is (absent for a configured certificate without CA). */
  caPath?: string;
  /** True when the CA and server certificate were generated here (DATA_DIR/tls). */
  generated: boolean;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The mqtts listener's certificate: MQTT_TLS_CERT/MQTT_TLS_KEY (MQTT_TLS_CA optional) when configured,
 * else a private CA and a server certificate signed by it, generated once into DATA_DIR/tls (keys 0600)
 * and reused afterwards. Clients verify the server with DATA_DIR/tls/ca.crt (docs/security.md).
 */
export async function brokerTlsFiles(options: { certPath?: string; keyPath?: string; caPath?: string; dataDir: string }): Promise<BrokerTlsFiles> {
  if (options.certPath || options.keyPath) {
    if (!options.certPath || !options.keyPath) throw new Error('MQTT_TLS_CERT and MQTT_TLS_KEY go together');
    return { cert: readFileSync(options.certPath, 'utf8'), key: readFileSync(options.keyPath, 'utf8'), caPath: options.caPath, generated: false };
  }
  const dir = join(options.dataDir, 'tls');
  const paths = { caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  if (!existsSync(paths.cert) || !existsSync(paths.key) || !existsSync(paths.caCert)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const now = Date.now();
    const ca = await generate([{ name: 'commonName', value: `dinmeter CA ${hostname()}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 3600_000),
      notAfterDate: new Date(now + 20 * YEAR_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const server = await generate([{ name: 'commonName', value: hostname() }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 3600_000),
      notAfterDate: new Date(now + 10 * YEAR_MS),
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: hostname() },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    writeFileSync(paths.caKey, ca.private, { mode: 0o600 });
    writeFileSync(paths.caCert, ca.cert);
    writeFileSync(paths.key, server.private, { mode: 0o600 });
    writeFileSync(paths.cert, server.cert);
  }
  return { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8'), caPath: paths.caCert, generated: true };
}
