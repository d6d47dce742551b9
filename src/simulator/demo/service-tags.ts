import { bundledServiceTagsBody } from '../../data/bundled-service-tags.js';

// Service tags: real data, see src/data/README.md.

/** The `serviceTags.list` body; the envelope `id` keeps `{subscriptionId}` for the simulator. */
export function serviceTagsBody(): unknown {
  // A fresh object per call: callers may mutate the world they were given.
  return bundledServiceTagsBody();
}
