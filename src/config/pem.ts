import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/**
 * Why `pem` holds no usable certificate, or undefined when every certificate in it parses: a file that
 * reads fine but holds no certificate (or bad base64) would otherwise fail every poll or handshake later.
 */
export function certificateProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `certificate ${index + 1} of ${blocks.length} does not parse (${(err as Error).message}): bad base64 or a truncated file?`;
    }
  }
  return undefined;
}

/** Why a certificate and key cannot serve TLS together (a key of another certificate, a key that does not parse), or undefined. */
export function keyPairProblem(cert: string, key: string): string | undefined {
  try {
    createSecureContext({ cert, key });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '');
  }
}
