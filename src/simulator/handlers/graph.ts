import { createHash } from 'node:crypto';
import { ArmError } from '../arm-errors.js';
import { idKey, locationKey, resourceTypeOf } from './path.js';
import { effectiveAdminRuleRows } from './network-manager.js';
import { changeRows, parseChangesQuery } from './changes.js';
import { subscriptionTenants, tenantOf } from './subscriptions.js';
import type { SimulatorState } from './state.js';
import type { ArmResource } from '../world.js';
import { subscriptionInPath } from '../../model/ids.js';

/**
 * Azure Resource Graph, `POST /providers/Microsoft.ResourceGraph/resources` (2024-04-01 shapes: see
 * reference/arm-examples/2024-04-01__Resources*.json). Only the query shapes apim-netwatch sends are
 * understood, over the world's top-level resources (`Resources`) or its effective security admin rules
 * (`NetworkResources`, see network-manager.ts):
 *
 *   Resources | where type =~ '<type>'
 *   Resources | where type in~ ('<type>', '<type>', ...)
 *
 * and `resourcechanges` as changes.ts describes.
 *
 * Anything else answers 400 as Resource Graph does for a query it cannot parse. Rows are the world's
 * bodies as Resource Graph returns them (`properties` as in ARM; `type` lower-cased, `location` in its
 * short form, `subscriptionId`, `resourceGroup` (lower-cased) and `tenantId` (the subscription's home tenant)
 * columns added, the columns the body lacks as Azure answers them, no `etag`; IDs cased as Azure may case
 * them when the world asks, `graphIdCasing`), sorted by id,
 * filtered by the request's `subscriptions`, and paged with `options.$top` (default 100, at most 1000)
 * and `$skipToken`. A fault may make the paging never end (`repeatSkipToken`, `endlessPages`) or page as
 * untidily as Azure may (`resultTruncated`, `tokenOnFullLastPage`, `emptyPages`).
 */

export const GRAPH_PATH = '/providers/microsoft.resourcegraph/resources';

const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
const MAX_SUBSCRIPTIONS = 1000;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TYPE = "'([A-Za-z0-9./_-]+)'";
const TABLE = '(resources|networkresources)';
const SINGLE = new RegExp(`^\\s*${TABLE}\\s*\\|\\s*where\\s+type\\s*=~\\s*${TYPE}\\s*$`, 'i');
const MANY = new RegExp(`^\\s*${TABLE}\\s*\\|\\s*where\\s+type\\s+in~\\s*\\(\\s*(${TYPE}(?:\\s*,\\s*${TYPE})*)\\s*\\)\\s*$`, 'i');

function invalidQuery(reason: string): ArmError {
  return new ArmError(
    400,
    'BadRequest',
    'Please provide below info when asking for support: timestamp = ' + new Date().toISOString() + ', correlationId = 00000000-0000-0000-0000-000000000000.',
    undefined,
    [
      { code: 'InvalidQuery', message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.' },
      { code: 'UnsupportedQuery', message: reason },
    ],
  );
}

/** The table and the resource types (lower-cased) a supported query selects; throws the 400 for any other query. */
export function parseGraphQuery(query: string): { table: 'resources' | 'networkresources'; types: Set<string> } {
  const table = (match: RegExpExecArray) => match[1]!.toLowerCase() as 'resources' | 'networkresources';
  const single = SINGLE.exec(query);
  if (single) return { table: table(single), types: new Set([single[2]!.toLowerCase()]) };
  const many = MANY.exec(query);
  if (many) return { table: table(many), types: new Set([...many[2]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!.toLowerCase())) };
  throw invalidQuery(
    "The simulator understands `Resources | where type =~ '<type>'` and `Resources | where type in~ ('<type>', ...)` only (or NetworkResources in place of Resources), and the resourcechanges query that src/azure/resource-changes.ts sends.",
  );
}

interface GraphRequest {
  subscriptions: string[];
  query: string;
  top?: number;
  skipToken?: string;
}

function readRequest(body: unknown): GraphRequest {
  if (!isObject(body)) throw new ArmError(400, 'BadRequest', 'The request body must be a JSON object with "subscriptions" and "query".');
  if (body.managementGroups !== undefined) {
    throw new ArmError(400, 'BadRequest', 'The simulator answers subscription-scoped queries only; management groups are not supported.');
  }
  const { subscriptions, query } = body;
  if (!Array.isArray(subscriptions) || subscriptions.length === 0 || !subscriptions.every((s) => typeof s === 'string')) {
    throw new ArmError(400, 'BadRequest', 'The request must name at least one subscription in "subscriptions".');
  }
  if (subscriptions.length > MAX_SUBSCRIPTIONS) {
    throw new ArmError(400, 'BadRequest', `At most ${MAX_SUBSCRIPTIONS} subscriptions may be queried at once.`);
  }
  if (typeof query !== 'string' || query.trim() === '') throw new ArmError(400, 'BadRequest', 'The request must carry a "query".');
  const request: GraphRequest = { subscriptions: subscriptions as string[], query };
  const options = isObject(body.options) ? body.options : {};
  if (options.resultFormat !== undefined && String(options.resultFormat).toLowerCase() !== 'objectarray') {
    throw new ArmError(400, 'BadRequest', 'The simulator returns results as objectArray only.');
  }
  if (options.$top !== undefined) {
    const top = options.$top;
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > MAX_TOP) {
      throw new ArmError(400, 'BadRequest', `options.$top must be an integer from 1 to ${MAX_TOP}.`);
    }
    request.top = top;
  }
  if (typeof options.$skipToken === 'string' && options.$skipToken !== '') request.skipToken = options.$skipToken;
  return request;
}

/** The token binds the position to the query and scope, as Resource Graph's does. */
function fingerprint(request: GraphRequest): string {
  const scope = [...new Set(request.subscriptions.map((s) => s.toLowerCase()))].sort().join(',');
  return createHash('sha256').update(`${request.query}\n${scope}`).digest('base64url').slice(0, 16);
}

/** `afterEmpty`: the empty page in front of this position (fault `emptyPages`) has been served. */
function encodeToken(skip: number, top: number, fp: string, afterEmpty = false): string {
  return Buffer.from(JSON.stringify(afterEmpty ? { skip, top, fp, afterEmpty } : { skip, top, fp })).toString('base64');
}

function decodeToken(token: string, fp: string): { skip: number; top: number; afterEmpty: boolean } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { skip?: unknown; top?: unknown; fp?: unknown; afterEmpty?: unknown };
    if (
      typeof parsed.skip === 'number' && Number.isInteger(parsed.skip) && parsed.skip >= 0 &&
      typeof parsed.top === 'number' && Number.isInteger(parsed.top) && parsed.top >= 1 && parsed.fp === fp
    ) {
      return { skip: parsed.skip, top: parsed.top, afterEmpty: parsed.afterEmpty === true };
    }
  } catch {
    // fall through
  }
  throw new ArmError(400, 'BadRequest', 'The $skipToken is invalid, or does not belong to this query and these subscriptions.');
}


/**
 * What Azure answers for the columns a resource does not have: every row has them all (rows of
 * elastic/cloudbeat's and chaostoolkit-azure's fixtures; Microsoft Learn, "Explore your Azure resources").
 */
const AZURE_EMPTY_COLUMNS: Readonly<Json> = { kind: '', managedBy: '', sku: null, plan: null, tags: null, identity: null, zones: null, extendedLocation: null };

/** How the world asks rows to be shaped (world keys graphRowColumns, graphIdCasing, subscriptionHomeTenants). */
interface RowShape {
  azureColumns: boolean;
  mixedIds: boolean;
  /** Lower-cased subscription ID -> its tenant, as the subscriptions list reports it. */
  tenants: Map<string, string>;
  defaultTenant: string;
}

function rowShapeOf(state: SimulatorState): RowShape {
  const world = state.world;
  return {
    azureColumns: world.graphRowColumns !== 'body',
    mixedIds: world.graphIdCasing === 'mixed',
    tenants: subscriptionTenants(state),
    defaultTenant: tenantOf(world),
  };
}

const RESOURCE_GROUP_IN_ID = /^(\/subscriptions\/[^/]+\/resourcegroups\/)([^/]+)/i;

/** Every resource ID in a body (a string under `id` or a key ending in `Id`) lower-cased, as Azure returns references. */
function lowerReferences(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return /(^|[a-z])id$/i.test(key) && value.toLowerCase().startsWith('/subscriptions/') ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map((item) => lowerReferences(item, key));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lowerReferences(v, k)]));
}

/** A world body as a Resource Graph row. */
function toRow(resource: ArmResource, type: string, shape: RowShape): Json {
  const { etag: _etag, ...rest } = resource;
  const row: Json = shape.azureColumns ? { ...AZURE_EMPTY_COLUMNS, ...rest, type } : { ...rest, type };
  if (typeof resource.location === 'string') row.location = locationKey(resource.location);
  const subscriptionId = subscriptionInPath(resource.id) ?? '';
  row.subscriptionId = subscriptionId;
  row.resourceGroup = (RESOURCE_GROUP_IN_ID.exec(resource.id)?.[2] ?? '').toLowerCase();
  row.tenantId = shape.tenants.get(subscriptionId.toLowerCase()) ?? shape.defaultTenant;
  if (shape.mixedIds) {
    row.id = resource.id.replace(RESOURCE_GROUP_IN_ID, (_, head: string, group: string) => head + group.toUpperCase());
    row.properties = lowerReferences(row.properties);
  }
  return row;
}

/**
 * Answers one query. `denied(subscriptionId)` says whether the caller may not read a subscription:
 * Resource Graph leaves out what the caller cannot read, without an error.
 */
export function routeGraph(state: SimulatorState, body: unknown, denied: (subscriptionId: string) => boolean, fault?: Paging): unknown {
  const request = readRequest(body);
  const paging: Paging = {
    repeatSkipToken: fault?.repeatSkipToken === true,
    endlessPages: fault?.endlessPages === true,
    resultTruncated: fault?.resultTruncated === true,
    tokenOnFullLastPage: fault?.tokenOnFullLastPage === true,
    emptyPages: fault?.emptyPages === true,
  };
  const scope = new Set(request.subscriptions.map((s) => s.toLowerCase()).filter((s) => !denied(s)));
  const changes = parseChangesQuery(request.query);
  if (changes) return paged(request, changeRows(state, changes, scope), (row) => row, paging);
  const { table, types } = parseGraphQuery(request.query);
  const shape = rowShapeOf(state);
  const matches: Array<{ key: string; resource: ArmResource; type: string }> = [];
  for (const resource of table === 'networkresources' ? effectiveAdminRuleRows(state) : state.resources()) {
    const type = (typeof resource.type === 'string' ? resource.type : resourceTypeOf(resource.id))?.toLowerCase();
    if (!type || !types.has(type)) continue;
    const sub = subscriptionInPath(resource.id)?.toLowerCase();
    if (!sub || !scope.has(sub)) continue;
    matches.push({ key: idKey(resource.id), resource, type });
  }
  matches.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return paged(request, matches, (m) => toRow(m.resource, m.type, shape), paging);
}

/** The query of a Resource Graph request body, for faults that name one. */
export function graphQueryOf(body: unknown): string | undefined {
  return isObject(body) && typeof body.query === 'string' ? body.query : undefined;
}

/**
 * Faults on the paging: the same $skipToken on every page, or a new one on every page (rows starting over);
 * or Azure's untidy corners: a truncated page without a token, a token after an exactly full last page
 * (its page empty), an empty page with a token in front of every page with rows.
 */
export interface Paging {
  repeatSkipToken?: boolean;
  endlessPages?: boolean;
  resultTruncated?: boolean;
  tokenOnFullLastPage?: boolean;
  emptyPages?: boolean;
}

/** The page of `matches` the request asks for, as Resource Graph answers it (or as a faulty one would, `paging`). */
function paged<T>(request: GraphRequest, matches: readonly T[], toJson: (match: T) => Json, paging: Paging = {}): Json {
  const fp = fingerprint(request);
  const position = request.skipToken ? decodeToken(request.skipToken, fp) : { skip: 0, top: request.top ?? DEFAULT_TOP, afterEmpty: false };
  const top = request.top ?? position.top;
  if (paging.emptyPages && !position.afterEmpty && position.skip < matches.length) {
    return { totalRecords: matches.length, count: 0, resultTruncated: 'false', facets: [], $skipToken: encodeToken(position.skip, top, fp, true), data: [] };
  }
  const page = paging.endlessPages
    ? Array.from({ length: matches.length === 0 ? 0 : top }, (_, i) => matches[(position.skip + i) % matches.length]!)
    : matches.slice(position.skip, position.skip + top);
  const response: Json = {
    totalRecords: matches.length,
    count: page.length,
    resultTruncated: 'false',
    facets: [],
  };
  if (paging.repeatSkipToken) {
    // The first page's token points at the first page itself: every page after it is that page again, with that token.
    response.$skipToken = request.skipToken ?? encodeToken(position.skip, top, fp);
  } else if (paging.resultTruncated && position.skip + top < matches.length) {
    // Azure: "When resultTruncated is true, the $skipToken property isn't set in the response."
    response.resultTruncated = 'true';
  } else if (paging.endlessPages || position.skip + top < matches.length) {
    response.$skipToken = encodeToken(position.skip + top, top, fp);
  } else if (paging.tokenOnFullLastPage && page.length === top && position.skip + top === matches.length) {
    response.$skipToken = encodeToken(position.skip + top, top, fp);
  }
  response.data = page.map(toJson);
  return response;
}
