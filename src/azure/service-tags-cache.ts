import type { ServiceTagsListResult } from '@azure/arm-network';
import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import { toFetchFailure } from './normalise.js';
import { normaliseServiceTags } from './normalise-network.js';
import { BUNDLED_SERVICE_TAGS, bundledServiceTagsBody } from '../data/bundled-service-tags.js';
import type { ServiceTagSet } from '../model/network.js';

/** Azure publishes service tags weekly; once a day is plenty. */
export const SERVICE_TAGS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * `serviceTags.list(location)` returns every tag of the cloud whatever the location, so one set serves
 * the whole fleet. Tried in each candidate (subscription, location) until one answers; a failed refresh
 * keeps the set it had, and with none at all the bundled snapshot stands in (said in the log), so that
 * NSG rules are still judged against real prefixes.
 */
export class ServiceTagsCache {
  private current: { tags: ServiceTagSet; fetchedAt: number } | undefined;
  private fallback: ServiceTagSet | undefined;

  constructor(
    private readonly clients: ArmClients,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async get(candidates: ReadonlyArray<{ subscriptionId: string; location: string }>): Promise<ServiceTagSet | undefined> {
    if (this.current && this.now() - this.current.fetchedAt < SERVICE_TAGS_MAX_AGE_MS) return this.current.tags;
    const tried = new Set<string>();
    for (const { subscriptionId, location } of candidates) {
      const key = `${subscriptionId}/${location}`;
      if (tried.has(key) || tried.size >= 3) continue;
      tried.add(key);
      try {
        const body = await this.readAllPages(subscriptionId, location);
        this.current = { tags: normaliseServiceTags(body, `serviceTags.list (${location}, change ${body.changeNumber ?? 'unknown'})`), fetchedAt: this.now() };
        this.log.info({ location, changeNumber: this.current.tags.changeNumber, tags: this.current.tags.tags.size }, 'service tags refreshed');
        return this.current.tags;
      } catch (err) {
        const failure = toFetchFailure('ServiceTags_List', err);
        this.log.warn({ subscription: subscriptionId, location, code: failure.code }, `cannot read service tags: ${failure.message}`);
      }
    }
    if (this.current) return this.current.tags;
    this.fallback ??= normaliseServiceTags(bundledServiceTagsBody(), BUNDLED_SERVICE_TAGS);
    this.log.warn(`service tags unavailable from ARM: using the ${BUNDLED_SERVICE_TAGS} (tags change weekly; a tag added since is judged unknown)`);
    return this.fallback;
  }

  /**
   * `serviceTags.list` and, when its body has a `nextLink` (the API's schema allows one; the SDK reads one
   * body), every page after it: their `values` together, so that no tag is missed (one named twice counts once).
   */
  private async readAllPages(subscriptionId: string, location: string): Promise<ServiceTagsListResult> {
    const first = await this.clients.networkManagement(subscriptionId).serviceTags.list(location);
    if (!first.nextLink) return first;
    const rest = await this.clients.armList().follow(first.nextLink, 'values', `ARM answered the service tags of ${location}`);
    return { ...first, values: [...(first.values ?? []), ...(rest as NonNullable<ServiceTagsListResult['values']>)], nextLink: undefined };
  }
}
