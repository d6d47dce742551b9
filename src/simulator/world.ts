import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ERROR_CODES, UserError } from '../errors.js';

/**
 * A simulator world (docs/design.md, "Simulator world file"): ARM resource bodies exactly as a GET
 * returns them, NetworkStatus bodies per APIM resource ID, service tags per location, and faults.
 */
export const faultSchema = z
  .object({
    path: z.string().min(1, 'a fault needs "path": a case-insensitive substring of the request path'),
    status: z.number().int().min(100).max(599).optional(),
    retryAfterSeconds: z.number().nonnegative().optional(),
    delayMs: z.number().int().nonnegative().optional(),
    malformed: z.boolean().optional(),
    count: z.number().int().positive().optional(),
    /** Resource Graph only: the fault applies to queries containing this (case-insensitive), e.g. "resourcechanges". */
    query: z.string().min(1).optional(),
    /** Resource Graph pages: every page answers the same $skipToken (the first one, which points at itself), so paging never ends. */
    repeatSkipToken: z.boolean().optional(),
    /** Resource Graph pages: every page answers a new $skipToken, the rows starting over after the last, so paging never ends. */
    endlessPages: z.boolean().optional(),
    /** Resource Graph: the page says resultTruncated "true" and gives no $skipToken (Azure's answer to paging not requested properly). */
    resultTruncated: z.boolean().optional(),
    /** Resource Graph: a page that ends exactly at the last row still gives a $skipToken, whose page is empty and gives none. */
    tokenOnFullLastPage: z.boolean().optional(),
    /** Resource Graph and ARM lists: every page with rows comes after an empty one that carries a $skipToken / nextLink to it. */
    emptyPages: z.boolean().optional(),
    /** ARM lists and service tags: pages of at most this many items, each with a nextLink to the next. */
    pageSize: z.number().int().positive().optional(),
    /** Resource Graph: the answer says this in x-ms-user-quota-remaining (with userQuotaResetsAfterSeconds), whatever the world's quota. */
    userQuotaRemaining: z.number().int().nonnegative().optional(),
    userQuotaResetsAfterSeconds: z.number().nonnegative().optional(),
  })
  .strict();

export type Fault = z.infer<typeof faultSchema>;

const armResourceSchema = z
  .object({ id: z.string().min(1, 'every resource needs its ARM "id"') })
  .passthrough();

const resourceChangeSchema = z
  .object({
    id: z.string().min(1, 'a resourcechanges row needs its "id"'),
    properties: z
      .object({
        targetResourceId: z.string().min(1, 'a resourcechanges row needs properties.targetResourceId'),
        changeAttributes: z.object({ timestamp: z.string().datetime({ offset: true, message: 'properties.changeAttributes.timestamp must be an ISO 8601 time' }) }).passthrough(),
      })
      .passthrough(),
  })
  .passthrough();

export const worldSchema = z
  .object({
    resources: z.array(armResourceSchema).default([]),
    networkStatus: z.record(z.string(), z.unknown()).default({}),
    serviceTags: z.record(z.string(), z.unknown()).default({}),
    faults: z.array(faultSchema).default([]),
    /** VNet ID -> the body of ListNetworkManagerEffectiveSecurityAdminRules for it. */
    effectiveSecurityAdminRules: z.record(z.string(), z.unknown()).optional(),
    /** Resource Graph answers with the world as it was this many seconds ago (it reflects ARM's writes late). */
    resourceGraphLagSeconds: z.number().nonnegative().max(3600).optional(),
    /**
     * Resource Graph's per-caller quota, reported in x-ms-user-quota-remaining / -resets-after on every answer (the 429
     * too) and enforced with 429 RateLimiting (no Retry-After). Absent: Azure's 15 queries per 5 s; `false`: no quota,
     * no headers.
     */
    resourceGraphQuota: z.union([z.object({ queries: z.number().int().positive(), windowSeconds: z.number().positive() }).strict(), z.literal(false)]).optional(),
    /**
     * ARM's read token buckets: `burst` tokens refilled at `refillPerSecond`, per subscription (the caller's bucket,
     * x-ms-ratelimit-remaining-subscription-reads; a global one 15 times larger and faster,
     * x-ms-ratelimit-remaining-subscription-global-reads) and for the tenant (x-ms-ratelimit-remaining-tenant-reads).
     * A read finding a bucket empty is refused with 429 and Retry-After. Absent: Azure's 250 refilled at 25/s; `false`:
     * the buckets only count (headers as Azure's, never a 429). `startSimulator({ throttle })` overrides it.
     */
    armThrottle: z.union([z.object({ burst: z.number().positive(), refillPerSecond: z.number().nonnegative() }).strict(), z.literal(false)]).optional(),
    /** Rows of Resource Graph's `resourcechanges` table, as a query returns them (changes.ts). */
    resourceChanges: z.array(resourceChangeSchema).optional(),
    /** A `resourcechanges` row shows this many seconds after its timestamp (Azure: within about five minutes). */
    resourceChangesLagSeconds: z.number().nonnegative().max(3600).optional(),
    /** The casing of the `effectivesecurityadminrules` rows, or `missing` (none, as before Resource Graph indexes a deployment); default camelCase. */
    adminRuleRows: z.enum(['camelCase', 'PascalCase', 'missing']).optional(),
    /** ListNetworkManagerEffectiveSecurityAdminRules answers this many rules a page, following the request's skipToken (absent: the stored body as is). */
    adminRulePageSize: z.number().int().positive().optional(),
    /** Subscription ID -> the `state` the subscriptions list reports for it, over the world's bodies or the synthesized ones. */
    subscriptionStates: z.record(z.string(), z.enum(['Enabled', 'Warned', 'PastDue', 'Disabled', 'Deleted'])).optional(),
    /**
     * Resource Graph rows' columns: `azure` (default) gives every row all of Azure's columns, those its body lacks as
     * Azure answers them (`kind` and `managedBy` "", `sku`, `plan`, `tags`, `identity`, `zones`, `extendedLocation` null);
     * `body`: only the body's own keys and the added ones (id, type, location, subscriptionId, resourceGroup, tenantId).
     */
    graphRowColumns: z.enum(['azure', 'body']).optional(),
    /**
     * IDs in Resource Graph rows: `asWritten` (default) as the world spells them; `mixed` as Azure may: a row's `id`
     * with its resource group upper-cased, and every resource ID inside its `properties` (subnetResourceId, `id` of
     * references and embedded children) lower-cased whole, as API Management and Resource Graph return them.
     */
    graphIdCasing: z.enum(['asWritten', 'mixed']).optional(),
    /**
     * Subscription ID -> its home tenant, when not the world's `tenantId` (delegated through Azure Lighthouse): the
     * subscriptions list reports it as `tenantId` with the world's tenant in `managedByTenants`, and Resource Graph
     * rows of the subscription carry it as theirs.
     */
    subscriptionHomeTenants: z.record(z.string(), z.string().min(1)).optional(),
    /**
     * APIM connectivity checks (POST <apim id>/connectivityCheck): the 200 body for a check matching service, region (if
     * given), address and port, case-insensitive. Unmatched: the region's NetworkStatus entry for the host, else Connected.
     */
    connectivityChecks: z
      .array(z.object({ service: z.string().min(1), region: z.string().optional(), address: z.string().min(1), port: z.number().int().min(0).max(65535), response: z.unknown() }).passthrough())
      .optional(),
    /** How long a connectivity check runs before its result is ready (default 1; Azure: seconds to a minute). */
    connectivityCheckSeconds: z.number().nonnegative().max(600).optional(),
    /** APIM ID -> the body of GET <apim id>/outboundNetworkDependenciesEndpoints (absent: an empty list). */
    outboundNetworkDependencies: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export interface ArmResource {
  id: string;
  [key: string]: unknown;
}

export interface World {
  resources: ArmResource[];
  networkStatus: Record<string, unknown>;
  serviceTags: Record<string, unknown>;
  faults: Fault[];
  /** Extra keys are allowed (e.g. "subscriptions": the bodies of the subscriptions list). */
  [key: string]: unknown;
}

export class WorldFileError extends UserError {
  override name = 'WorldFileError';
  constructor(message: string) {
    super(ERROR_CODES.WORLD_INVALID, message);
  }
}

export function parseWorld(raw: unknown, source = 'world'): World {
  const result = worldSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `  - ${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('\n');
    throw new WorldFileError(`${source} is not a valid simulator world:\n${problems}`);
  }
  return result.data as World;
}

export async function loadWorldFile(file: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WorldFileError(`cannot read world file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new WorldFileError(`world file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseWorld(raw, `world file ${file}`);
}
