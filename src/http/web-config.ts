import { readFileSync } from 'node:fs';
import { certificateProblem, keyPairProblem } from '../config/pem.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/load.js';

/**
 * The web configuration file of Prometheus exporters (exporter-toolkit's `--web.config.file`):
 * `tls_server_config` and `basic_auth_users` as there, plus `bearer_tokens` (files holding one token
 * each). Relative paths are relative to the web config file, as in exporter-toolkit.
 */

const CLIENT_AUTH_TYPES = ['NoClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

const webConfigSchema = z
  .object({
    tls_server_config: z
      .object({
        cert_file: z.string({ message: 'expected the path of the server certificate (PEM)' }).min(1),
        key_file: z.string({ message: 'expected the path of the private key (PEM)' }).min(1),
        client_ca_file: z.string().min(1).optional(),
        client_auth_type: z.enum(CLIENT_AUTH_TYPES, { message: `expected one of ${CLIENT_AUTH_TYPES.join(', ')}` }).optional(),
        min_version: z.enum(['TLS12', 'TLS13'], { message: 'expected TLS12 or TLS13' }).default('TLS12'),
      })
      .strict()
      .optional(),
    basic_auth_users: z
      .record(
        z.string().min(1).regex(/^[^:]+$/, { message: 'a user name cannot contain ":"' }),
        z.string().regex(BCRYPT, { message: 'expected a bcrypt hash ($2y$..., e.g. from `htpasswd -nBC 10 "" | tr -d \':\\n\'`), never a plain password' }),
      )
      .optional(),
    bearer_tokens: z
      .array(z.object({ token_file: z.string({ message: 'expected the path of a file holding the token' }).min(1) }).strict())
      .optional(),
  })
  .strict();

export interface TlsSettings {
  cert: string;
  key: string;
  ca?: string;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface WebConfig {
  /** Where it was read from (for messages; never its contents). */
  source: string;
  tls?: TlsSettings;
  /** user -> bcrypt hash. */
  users: Map<string, string>;
  tokens: string[];
}

/**
 * How logins are limited (README, "Limits"). Not keys of the file: exporter-toolkit has none, and these
 * guard the service rather than tune it.
 */
export interface LoginLimits {
  /** Failed logins a client address may make within `windowMs`; then 429 until the window passes. */
  failuresPerWindow: number;
  windowMs: number;
  /** Password checks of one address running at once; more wait their turn, at most `failuresPerWindow` of them. */
  checksInFlightPerClient: number;
  /** Password checks waiting for the worker thread, all addresses together. */
  checksQueued: number;
}

export const LOGIN_LIMITS: Readonly<LoginLimits> = { failuresPerWindow: 5, windowMs: 60_000, checksInFlightPerClient: 2, checksQueued: 64 };

export const NO_WEB_CONFIG: WebConfig = { source: '(none)', users: new Map(), tokens: [] };

export function authEnabled(web: WebConfig): boolean {
  return web.users.size > 0 || web.tokens.length > 0;
}

function issueText(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${key}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; supported: tls_server_config (cert_file, key_file, client_ca_file, client_auth_type, min_version), basic_auth_users, bearer_tokens (token_file)`;
  }
  return `${key}: ${issue.message}`;
}

function readPart(file: string, base: string, key: string, source: string): string {
  const path = isAbsolute(file) ? file : resolve(base, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`web config ${source}: ${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Validates a parsed web config and reads the files it names; every error names the key. */
export function parseWebConfig(raw: unknown, source: string, base = process.cwd()): WebConfig {
  const result = webConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ConfigError(`invalid web config ${source}:\n${result.error.issues.map((issue) => `  - ${issueText(issue)}`).join('\n')}`);
  }
  const parsed = result.data;
  const web: WebConfig = { source, users: new Map(Object.entries(parsed.basic_auth_users ?? {})), tokens: [] };
  parsed.bearer_tokens?.forEach((entry, index) => {
    const token = readPart(entry.token_file, base, `bearer_tokens.${index}.token_file`, source).trim();
    if (token.length < 16) throw new ConfigError(`web config ${source}: bearer_tokens.${index}.token_file: the token is empty or shorter than 16 characters`);
    web.tokens.push(token);
  });
  const tls = parsed.tls_server_config;
  if (tls) {
    const clientAuth = tls.client_auth_type ?? (tls.client_ca_file ? 'RequireAndVerifyClientCert' : 'NoClientCert');
    if (clientAuth !== 'NoClientCert' && !tls.client_ca_file) {
      throw new ConfigError(`web config ${source}: tls_server_config.client_auth_type: ${clientAuth} needs tls_server_config.client_ca_file (the CA that signs client certificates)`);
    }
    const cert = readPart(tls.cert_file, base, 'tls_server_config.cert_file', source);
    const key = readPart(tls.key_file, base, 'tls_server_config.key_file', source);
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`web config ${source}: tls_server_config.cert_file: not a PEM certificate`);
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new ConfigError(`web config ${source}: tls_server_config.key_file: not a PEM private key`);
    const certProblem = certificateProblem(cert);
    if (certProblem) throw new ConfigError(`web config ${source}: tls_server_config.cert_file: ${certProblem}`);
    const pairProblem = keyPairProblem(cert, key);
    if (pairProblem) throw new ConfigError(`web config ${source}: tls_server_config.key_file does not go with cert_file (${pairProblem}): give the key of that certificate`);
    const clientCa = tls.client_ca_file ? readPart(tls.client_ca_file, base, 'tls_server_config.client_ca_file', source) : undefined;
    const caProblem = clientCa === undefined ? undefined : certificateProblem(clientCa);
    if (caProblem) throw new ConfigError(`web config ${source}: tls_server_config.client_ca_file: ${caProblem}`);
    web.tls = {
      cert,
      key,
      ...(clientCa ? { ca: clientCa } : {}),
      requestCert: clientAuth !== 'NoClientCert',
      rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
      minVersion: TLS_VERSIONS[tls.min_version],
    };
  }
  return web;
}

export function loadWebConfig(file: string | undefined): WebConfig {
  if (!file) return NO_WEB_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read web config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check server.webConfigFile or --web.config.file`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    // The first line only: the parser's excerpt of the file is not for logs.
    throw new ConfigError(`web config file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseWebConfig(raw, file, dirname(resolve(file)));
}
