import { describe, expect, it } from 'vitest';
import type { ArmClients } from '../src/azure/clients.js';
import { ServiceTagsCache } from '../src/azure/service-tags-cache.js';
import { BUNDLED_SERVICE_TAGS } from '../src/data/bundled-service-tags.js';
import { exampleBody } from './helpers/examples.js';
import { memoryLog } from './helpers/memory-log.js';

// Microsoft's example body has a nextLink: its next page is answered empty here.
const clients = (list: () => Promise<unknown>) => ({ networkManagement: () => ({ serviceTags: { list } }), armList: () => ({ follow: async () => [] }) }) as unknown as ArmClients;
const where = [{ subscriptionId: '00000000-0000-4000-8000-000000000001', location: 'uksouth' }];

describe('ServiceTagsCache', () => {
  it("serve uses its cloud's live serviceTags.list, and says where the tags came from", async () => {
    const { log } = memoryLog('info');
    const tags = await new ServiceTagsCache(clients(async () => exampleBody('2026-01-01__ServiceTagsList.json')), log).get(where);
    expect(tags?.source).toBe('serviceTags.list (uksouth, change 63)');
  });

  it('falls back to the bundled snapshot of the whole public cloud, with a logged warning naming it', async () => {
    const { log, lines } = memoryLog('info');
    const tags = await new ServiceTagsCache(clients(async () => Promise.reject(Object.assign(new Error('denied'), { statusCode: 403 }))), log).get(where);
    expect(tags?.source).toBe(BUNDLED_SERVICE_TAGS);
    expect(tags?.tags.get('azurecloud')).toBeDefined();
    expect(tags?.tags.get('storage.uksouth')).toBeDefined();
    const warning = lines.find((line) => line.level === 40 && line.msg.includes('bundled'));
    expect(warning?.msg).toBe(`service tags unavailable from ARM: using the ${BUNDLED_SERVICE_TAGS} (tags change weekly; a tag added since is judged unknown)`);
  });
});
