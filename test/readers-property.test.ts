import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNsg, ruleProblems } from '../src/analysis/nsg/evaluate.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { evaluateRoutes } from '../src/analysis/routing/evaluate.js';
import { toRegionStatuses } from '../src/azure/normalise.js';
import { normaliseNsg, normaliseRouteTable, normaliseServiceTags } from '../src/azure/normalise-network.js';
import { readProposalDocument } from '../src/azure/proposal-input.js';
import { isUserError } from '../src/errors.js';

/**
 * Any JSON a user or ARM can hand over gives a verdict or a catalogued error (a UserError with its code),
 * never an exception that reads as a bug. Random JSON, and real files with random values put in their leaves.
 */
const tags = normaliseServiceTags(JSON.parse(readFileSync(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')));
const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

const FIXTURES = [
  './fixtures/network/landing-zone.arm.json',
  './fixtures/network/landing-zone.az.json',
  './fixtures/network/landing-zone.template.json',
  './fixtures/arm-examples/2026-01-01__NetworkSecurityGroupGet.json',
  './fixtures/arm-examples/2026-01-01__RouteTableGet.json',
  './fixtures/whatif-inputs/graphrag-nsg.template.json',
  './fixtures/whatif-inputs/terraform-plan-child-module.json',
  './fixtures/whatif-inputs/az-nsg-show.json',
].map(fixture);

/** Judges a document as `whatif` does; what it may throw is a UserError only. */
function judgeDocument(json: unknown): void {
  const document = readProposalDocument(json, 'input.json');
  for (const found of document.nsgs) {
    const nsg = normaliseNsg(found.body);
    const ctx = {
      vnetType: 'External' as const,
      platformVersion: 'stv2',
      paging: DEFAULT_PAGING_POLICY,
      region: 'westeurope',
      primaryRegion: 'northeurope',
      serviceTags: tags,
      vnetAddressSpace: ['10.0.0.0/16'],
      subnetPrefixes: [],
      udrPrefixes: [],
    };
    for (const flow of evaluateNsg(nsg, ctx)) expect(['allowed', 'denied', 'partial', 'unknown']).toContain(flow.verdict);
    ruleProblems(nsg, tags);
  }
  for (const found of document.routeTables) {
    evaluateRoutes(normaliseRouteTable(found.body), [], { region: 'westeurope', primaryRegion: 'westeurope', platformVersion: 'stv2', serviceTags: tags, vnetAddressSpace: [] });
  }
}

function onlyUserErrors(run: () => void): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (isUserError(err)) return true;
    throw err;
  }
}

/** A copy of `value` with the leaves `pick` chooses replaced by `replacement(path)`. */
function mutate(value: unknown, choices: number[], replacements: unknown[], state = { index: 0 }): unknown {
  if (Array.isArray(value)) return value.map((item) => mutate(item, choices, replacements, state));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mutate(item, choices, replacements, state)]));
  const index = state.index++;
  const slot = choices.indexOf(index);
  return slot >= 0 ? replacements[slot] : value;
}

const leafCount = (value: unknown): number =>
  Array.isArray(value) ? value.reduce((sum: number, item) => sum + leafCount(item), 0) : value && typeof value === 'object' ? Object.values(value).reduce((sum: number, item) => sum + leafCount(item), 0) : 1;

const anyLeaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('', '*', '-1', '70000', '500-100', '300.1.1.1/33', "[parameters('x')]", 'Sideways', 'AzureCloudX', '0.0.0.0/0', '::/0', null));

describe('every reader of ARM JSON and of whatif input: a verdict or a catalogued error, never an exception', () => {
  it('random JSON documents', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (json) => onlyUserErrors(() => judgeDocument(json))), { numRuns: 400 });
  });

  it('real NSGs, templates and plans with random values in random leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FIXTURES.length - 1 }), fc.array(fc.tuple(fc.nat(), anyLeaf), { minLength: 1, maxLength: 6 }), (which, edits) => {
        const original = FIXTURES[which];
        const leaves = leafCount(original);
        const mutated = mutate(
          original,
          edits.map(([at]) => at % leaves),
          edits.map(([, value]) => value),
        );
        return onlyUserErrors(() => judgeDocument(mutated));
      }),
      { numRuns: 400 },
    );
  });

  it('NetworkStatus bodies of any shape the SDK could hand over', () => {
    const entry = fc.record(
      { name: anyLeaf, status: anyLeaf, error: anyLeaf, lastUpdated: anyLeaf, lastStatusChange: anyLeaf, resourceType: anyLeaf, isOptional: anyLeaf },
      { requiredKeys: [] },
    );
    const body = fc.array(fc.record({ location: anyLeaf, networkStatus: fc.option(fc.record({ dnsServers: fc.option(fc.array(anyLeaf)), connectivityStatus: fc.option(fc.array(entry)) })) }, { requiredKeys: [] }));
    fc.assert(fc.property(body, (value) => onlyUserErrors(() => void toRegionStatuses(value as never))), { numRuns: 300 });
  });

  it('service-tag bodies', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => onlyUserErrors(() => void normaliseServiceTags(json))), { numRuns: 300 });
  });
});
