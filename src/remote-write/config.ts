import { z } from 'zod';
import { isLoopbackEndpoint } from '../azure/credentials.js';

/**
 * `remoteWrite`: the monitor pushes what /metrics serves to a Prometheus remote-write receiver (an Azure Monitor
 * workspace's metrics ingestion endpoint, or any other), for where nothing scrapes (Container Apps, App Service).
 */

/** Headers the protocol or the authentication sets (Prometheus refuses the same ones in its `headers`). */
const RESERVED_HEADERS = [
  'authorization',
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'transfer-encoding',
  'x-prometheus-remote-write-version',
];

/** Azure Monitor's ingestion audiences per cloud, as Prometheus' own azuread remote-write client asks for them. */
const INGESTION_SCOPES: Array<[RegExp, string]> = [
  [/\.azure\.us$/i, 'https://monitor.azure.us//.default'],
  [/\.azure\.cn$/i, 'https://monitor.azure.cn//.default'],
];
export const PUBLIC_INGESTION_SCOPE = 'https://monitor.azure.com//.default';

/** An Azure Monitor data collection endpoint's or workspace's metrics ingestion host. */
export function isAzureMonitorIngestion(url: string): boolean {
  return /\.ingest\.monitor\.azure\.(com|us|cn)$/i.test(new URL(url).hostname);
}

export function ingestionScope(url: string): string {
  const host = new URL(url).hostname;
  return INGESTION_SCOPES.find(([pattern]) => pattern.test(host))?.[1] ?? PUBLIC_INGESTION_SCOPE;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const remoteWriteSchema = z
  .object({
    /** Off when absent. */
    url: z
      .url({ message: 'expected the receiver\'s URL, e.g. https://<dce>.<region>-1.metrics.ingest.monitor.azure.com/dataCollectionRules/<dcr-id>/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24' })
      .refine((value) => /^https?:\/\//i.test(value), { message: 'expected an http:// or https:// URL' })
      .optional(),
    /** Under Prometheus' 5-minute lookback, so that a series never reads as gone between two pushes. */
    intervalSeconds: z.number().min(1).max(240, { message: 'at most 240: Prometheus reads a series as gone 5 minutes after its last sample' }).default(60),
    timeoutSeconds: z.number().positive().max(120).default(30),
    /** Prometheus' own `max_samples_per_send` default. */
    maxSamplesPerRequest: z.number().int().min(1).max(50_000).default(2000),
    /** Of a request answered 5xx or 429, or not answered at all; a 4xx other than 429 is never retried. */
    maxRetries: z.number().int().min(0).max(10).default(3),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .refine((headers) => !Object.keys(headers).some((name) => RESERVED_HEADERS.includes(name.toLowerCase())), {
        message: `these headers are set by the protocol or the authentication, not here: ${RESERVED_HEADERS.join(', ')}`,
      }),
    /** Added to every series that does not have the label itself; `job` is `apim-netwatch` and `instance` the host name unless set here. */
    externalLabels: z
      .record(z.string(), z.string())
      .default({})
      .check((ctx) => {
        for (const name of Object.keys(ctx.value).filter((key) => !LABEL_NAME.test(key))) {
          ctx.issues.push({ code: 'custom', input: name, path: [name], message: 'expected a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)' });
        }
      }),
    basicAuth: z
      .object({ username: z.string().min(1), passwordFile: z.string().min(1, { message: 'expected the path of a file holding the password' }) })
      .strict()
      .optional(),
    bearerTokenFile: z.string().min(1, { message: 'expected the path of a file holding the token' }).optional(),
    /**
     * A Microsoft Entra ID token from the monitor's own credential (`azure.credential`: managed identity, workload
     * identity, ...): `auto` turns it on for an Azure Monitor ingestion URL when no other authentication is set.
     */
    entraId: z
      .object({
        enabled: z.union([z.boolean(), z.literal('auto')], { message: 'expected true, false or "auto"' }).default('auto'),
        /** Default: Azure Monitor's ingestion audience of the URL's cloud. */
        scope: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((remote, ctx) => {
    const explicit = [remote.basicAuth && 'basicAuth', remote.bearerTokenFile && 'bearerTokenFile', remote.entraId.enabled === true && 'entraId.enabled'].filter(Boolean);
    if (explicit.length > 1) ctx.addIssue({ code: 'custom', message: `choose one authentication, not ${explicit.join(' and ')}` });
    if (remote.entraId.enabled === true && remote.url?.toLowerCase().startsWith('http://') && !isLoopbackEndpoint(remote.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'an Entra ID token is sent over https:// only (plain http:// only to this machine)' });
    }
  })
  .prefault({});

export type RemoteWriteConfig = z.infer<typeof remoteWriteSchema>;

export type RemoteWriteAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; passwordFile: string }
  | { kind: 'bearer'; tokenFile: string }
  | { kind: 'entra'; scope: string };

/** The authentication a configuration asks for (`entraId.enabled: auto` settled against the URL). */
export function remoteWriteAuth(remote: RemoteWriteConfig & { url: string }): RemoteWriteAuth {
  if (remote.basicAuth) return { kind: 'basic', ...remote.basicAuth };
  if (remote.bearerTokenFile) return { kind: 'bearer', tokenFile: remote.bearerTokenFile };
  const entra = remote.entraId.enabled === true || (remote.entraId.enabled === 'auto' && isAzureMonitorIngestion(remote.url));
  return entra ? { kind: 'entra', scope: remote.entraId.scope ?? ingestionScope(remote.url) } : { kind: 'none' };
}
