import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

// Generation costs tens of milliseconds and tests start many simulators: one certificate per process.
let generated: Promise<CertificatePair> | undefined;

/**
 * A self-signed certificate that is its own CA, valid for `localhost`, 127.0.0.1 and ::1, so a client
 * that trusts exactly this PEM verifies the connection normally (no verification is ever disabled).
 */
export function selfSignedCertificate(): Promise<CertificatePair> {
  generated ??= createCertificate().catch((err: unknown) => {
    generated = undefined;
    throw err;
  });
  return generated;
}

async function createCertificate(): Promise<CertificatePair> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // Backdated so a client whose clock lags a little still accepts it.
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/**
 * `certDir/cert.pem` + `certDir/key.pem` when both exist; otherwise a generated pair, written there
 * so that a restarted simulator keeps the certificate its clients already trust.
 */
export async function loadCertificate(certDir?: string): Promise<CertificatePair> {
  if (!certDir) return selfSignedCertificate();
  const certFile = join(certDir, 'cert.pem');
  const keyFile = join(certDir, 'key.pem');
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pair = await selfSignedCertificate();
  await mkdir(certDir, { recursive: true });
  await writeFile(certFile, pair.certPem);
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
  return pair;
}
