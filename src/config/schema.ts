import { z } from 'zod';
import cron from 'node-cron';
import { isResourceOf, parseResourceId } from '../model/ids.js';
import { DEPENDENCIES } from '../analysis/dependencies.js';
import { DEFAULT_PAGING_POLICY, PAGING_SCOPES, policyFromList, type PagingPolicy } from '../analysis/paging-policy.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../analysis/staleness.js';
import { familyPattern } from '../metrics/family-filter.js';
import { remoteWriteSchema } from '../remote-write/config.js';

export const PUBLIC_CLOUD_ENDPOINT = 'https://management.azure.com';

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: 'expected a subscription ID (a UUID such as 00000000-0000-0000-0000-000000000000)',
  });

const apimId = z.string().refine(
  (id) => {
    const parsed = parseResourceId(id);
    return parsed !== undefined && isResourceOf(parsed, 'Microsoft.ApiManagement', 'service');
  },
  { message: 'expected an API Management resource ID: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name>' },
);

const cronExpression = z.string().refine((value) => cron.validate(value), {
  message: 'expected a cron expression such as "*/15 * * * *" (minute hour day month weekday)',
});

const pagingList = z.array(z.enum(DEPENDENCIES));
const pagingMap = z.partialRecord(
  z.enum(DEPENDENCIES),
  z.enum(PAGING_SCOPES, { message: 'expected "required" (page on the endpoints the API marks required) or "any" (page on any endpoint)' }),
);

/** A list or a map, each checked on its own so that an error names the entry (a union would only say "neither"). */
const pagingDependencies = z.unknown().transform((value, ctx): PagingPolicy => {
  const parsed = (Array.isArray(value) ? pagingList : pagingMap).safeParse(value);
  if (parsed.success) return Array.isArray(parsed.data) ? policyFromList(parsed.data) : parsed.data;
  for (const issue of parsed.error.issues) {
    const message =
      issue.code === 'invalid_type' && issue.path.length === 0
        ? 'expected a list of dependencies, or a map of dependency to "required" or "any"'
        : issue.code === 'unrecognized_keys'
          ? `unknown dependency ${issue.keys.map((key) => `"${key}"`).join(', ')}: expected one of ${DEPENDENCIES.join(', ')}`
          : issue.message;
    ctx.addIssue({ code: 'custom', message, path: issue.path });
  }
  return z.NEVER;
});

/** A family name, or a regular expression matching whole names (kube-state-metrics' allow and deny lists). */
const familyEntry = z.string().min(1).refine(
  (entry) => {
    try {
      familyPattern(entry);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a metric family name or a regular expression (matched against the whole name), e.g. apim_network_flow_.*' },
);

const probeTarget = z
  .object({
    instance: apimId,
    /** The gateway region to check from (default: the instance's primary location). */
    region: z.string().min(1).optional(),
    address: z.string().min(1, { message: 'expected a host name, IP address or URL to check' }),
    port: z.number({ message: 'expected a TCP port number (1-65535)' }).int().min(1).max(65535),
    protocol: z.enum(['tcp', 'http', 'https'], { message: 'expected "tcp", "http" or "https"' }).default('tcp'),
  })
  .strict();

const probesSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Connectivity-check actions per subscription per minute (each an ARM write-class action). */
    maxPerMinute: z.number().int().min(1).max(600).default(6),
    /** Checks in flight at once (each polls its LRO for seconds up to a minute). */
    concurrency: z.number().int().min(1).max(64).default(2),
    /** While a paging dependency's route is unknown or at risk: probe when found so, then at most this often. */
    unknownIntervalSeconds: z.number().int().min(60).max(86_400).default(900),
    /** Configured targets: every this many seconds. */
    intervalSeconds: z.number().int().min(10).max(86_400).default(300),
    targets: z.array(probeTarget).default([]),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    azure: z
      .object({
        endpoint: z
          .url({ message: 'expected the ARM base URL, e.g. https://management.azure.com' })
          .refine((value) => value.toLowerCase().startsWith('https://'), {
            message: 'expected an https:// URL: ARM (and the simulator) speak HTTPS only, and the Azure SDK never sends a token over anything else',
          })
          .default(PUBLIC_CLOUD_ENDPOINT),
        caCertFile: z.string().min(1).optional(),
        /** Token audience; defaults to the public cloud's, or `<endpoint>/.default` for sovereign clouds. */
        credentialScope: z.string().min(1).optional(),
        /** `default`: DefaultAzureCredential; `simulator`: a static token, refused unless the endpoint is loopback. */
        credential: z.enum(['auto', 'default', 'simulator']).default('auto'),
        subscriptions: z.array(uuid).default([]),
        maxRetries: z.number().int().min(0).max(10).default(3),
        requestTimeoutSeconds: z.number().positive().max(600).default(30),
        /** A throttled request whose Retry-After asks for longer fails the target for this poll instead of waiting. */
        maxRetryAfterSeconds: z.number().min(0).max(600).default(60),
        /** Deadline for reading one instance's NetworkStatus, retries and waits included: one slow target never holds the poll. */
        targetTimeoutSeconds: z.number().positive().max(3600).default(120),
        /** Read APIM services, VNets, NSGs and route tables in bulk through Azure Resource Graph (falls back to GETs). */
        resourceGraph: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    targets: z
      .object({
        instances: z.array(apimId).default([]),
        /** Only instances carrying all these tags (discovery by subscription only). */
        tags: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .prefault({}),
    schedule: cronExpression.default('*/15 * * * *'),
    staleAfterSeconds: z.number().int().positive().default(DEFAULT_STALE_AFTER_SECONDS),
    /** Read subnets, NSGs, route tables and service tags to explain failures (needs Network read access). */
    readNetworkConfig: z.boolean().default(true),
    /**
     * Between polls, read the network configuration again through Resource Graph every `intervalSeconds`
     * and judge again what changed (needs `readNetworkConfig` and `azure.resourceGraph`).
     */
    watch: z
      .object({ enabled: z.boolean().default(true), intervalSeconds: z.number().min(0.1).max(3600).default(60) })
      .strict()
      .prefault({}),
    /** APIM connectivity checks from the gateway (README, "Probes"): on a budget per subscription, never delaying the poll or the watch. */
    probes: probesSchema,
    /** This replica's share of the fleet: instances whose ID hashes to `index` modulo `count`. */
    sharding: z
      .object({ index: z.number().int().min(0).default(0), count: z.number().int().min(1).max(1024).default(1) })
      .strict()
      .refine((shard) => shard.index < shard.count, { message: 'sharding.index must be below sharding.count (indexes count from 0)' })
      .prefault({}),
    /** SIGTERM: requests in flight are aborted, the state file written, and the process exits within this many seconds. */
    shutdownTimeoutSeconds: z.number().positive().max(300).default(10),
    /** Where to keep the last snapshot, so that a restart serves the last known state at once. */
    stateFile: z.string().min(1).optional(),
    concurrency: z.number().int().min(1).max(256).default(32),
    /** At most this many of them in one subscription, so that one throttled subscription cannot starve the others. */
    concurrencyPerSubscription: z.number().int().min(1).max(256).default(8),
    paging: z
      .object({
        /**
         * What pages: a map `{ storage: required, graph: any }` (`required`: the endpoints the API marks
         * required; `any`: any endpoint), or a list, each dependency with its default scope (graph any, the rest required).
         */
        dependencies: pagingDependencies.default(DEFAULT_PAGING_POLICY),
      })
      .strict()
      .prefault({}),
    drift: z
      .object({
        /** Empty: the whole fleet is one group, `fleet`. */
        groups: z
          .array(
            z
              .object({
                name: z.string().min(1),
                /** Explicit members (APIM resource IDs). */
                instances: z.array(apimId).optional(),
                /** One group per value of this tag, named `<name>:<value>`. */
                tag: z.string().min(1).optional(),
              })
              .strict()
              .refine((group) => (group.instances ? 1 : 0) + (group.tag ? 1 : 0) === 1, {
                message: 'a drift group needs exactly one of "instances" (a list of APIM resource IDs) or "tag" (a tag name)',
              }),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(9464),
        host: z.string().min(1).default('0.0.0.0'),
        /** exporter-toolkit style web config file: TLS, basic auth users, bearer tokens (README, "Protecting the endpoints"). */
        webConfigFile: z.string().min(1, { message: 'expected the path of a web config file (YAML), or leave the key out' }).optional(),
      })
      .strict()
      .prefault({}),
    /** Which metric families /metrics serves and remote-write pushes (README, "Series budget"). */
    metrics: z
      .object({
        families: z
          .object({ allow: z.array(familyEntry).default([]), deny: z.array(familyEntry).default([]) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    remoteWrite: remoteWriteSchema,
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
