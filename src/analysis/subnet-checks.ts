import { isIpPrefix } from './addresses.js';
import { addressesPerUnit, SUBNET_REQUIREMENTS, subnetKind, type SubnetKind } from './requirements.js';
import type { SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionInfo } from '../model/snapshot.js';

/**
 * What the subnet itself must be, apart from its traffic rules: delegated as its tier needs (classic: to
 * nothing; v2: to Microsoft.Web), large enough for the tier, and with room for the next scale unit.
 */

/** Bounded, for a metric label. */
export type SubnetCheckName = 'delegation' | 'size' | 'capacity';

export interface SubnetCheck {
  check: SubnetCheckName;
  ok: boolean;
  /** What is wrong and what to do, when not ok; what was found, when ok. */
  detail: string;
}

/** Azure keeps five addresses of every subnet prefix (network, broadcast, three for itself). */
const AZURE_RESERVED = 5;

const KIND_NAMES: Record<SubnetKind, string> = {
  classic: 'a classic-tier instance',
  'v2-integration': 'v2 VNet integration',
  'v2-injection': 'Premium v2 VNet injection',
};

function ipv4Prefixes(subnet: SubnetConfig): number[] {
  return subnet.addressPrefixes.filter((prefix) => isIpPrefix(prefix) && !prefix.includes(':')).map((prefix) => Number(prefix.split('/')[1] ?? 32));
}

function delegationCheck(subnet: SubnetConfig, kind: SubnetKind): SubnetCheck | undefined {
  if (!subnet.delegations) return undefined;
  const wanted = SUBNET_REQUIREMENTS[kind].delegation;
  const found = subnet.delegations;
  const has = (service: string) => found.some((delegation) => delegation.toLowerCase() === service.toLowerCase());
  if (!wanted) {
    return found.length === 0
      ? { check: 'delegation', ok: true, detail: 'not delegated, as classic tiers need' }
      : { check: 'delegation', ok: false, detail: `subnet ${subnet.name} is delegated to ${found.join(', ')}: ${KIND_NAMES[kind]} needs a subnet without delegation (set "Delegate subnet to a service" to None)` };
  }
  return has(wanted)
    ? { check: 'delegation', ok: true, detail: `delegated to ${wanted}` }
    : { check: 'delegation', ok: false, detail: `subnet ${subnet.name} is ${found.length === 0 ? 'not delegated' : `delegated to ${found.join(', ')}`}: ${KIND_NAMES[kind]} needs it delegated to ${wanted}` };
}

function sizeCheck(subnet: SubnetConfig, kind: SubnetKind, lengths: number[]): SubnetCheck | undefined {
  if (lengths.length === 0) return undefined;
  const longest = SUBNET_REQUIREMENTS[kind].maxPrefixLength;
  const smallest = Math.min(...lengths);
  return smallest <= longest
    ? { check: 'size', ok: true, detail: `/${smallest}, at least the /${longest} ${KIND_NAMES[kind]} needs` }
    : { check: 'size', ok: false, detail: `subnet ${subnet.name} is /${smallest}: ${KIND_NAMES[kind]} needs /${longest} or larger` };
}

/** Whether one more scale unit would still fit (the finding comes before the scale-out fails, not after). */
function capacityCheck(subnet: SubnetConfig, instance: InstanceInfo, region: RegionInfo, kind: SubnetKind, lengths: number[]): SubnetCheck | undefined {
  const perUnit = addressesPerUnit(instance.sku, kind);
  if (perUnit === undefined || region.capacity === undefined || lengths.length === 0) return undefined;
  const usable = lengths.reduce((sum, length) => sum + Math.max(0, 2 ** (32 - length) - AZURE_RESERVED), 0);
  const loadBalancer = instance.vnetType === 'Internal' ? 1 : 0;
  const need = (units: number) => units * perUnit + loadBalancer;
  const next = region.capacity + 1;
  const detail = `${region.capacity} unit(s) use ${need(region.capacity)} of ${usable} usable addresses (${perUnit} per unit${loadBalancer ? ', 1 for the internal load balancer' : ''}, ${AZURE_RESERVED} kept by Azure per prefix)`;
  return need(next) <= usable
    ? { check: 'capacity', ok: true, detail }
    : { check: 'capacity', ok: false, detail: `subnet ${subnet.name} has no room for unit ${next}: ${detail}, and ${next} units need ${need(next)}; a scale-out would fail` };
}

export function subnetChecks(instance: InstanceInfo, region: RegionInfo | undefined, subnet: SubnetConfig): SubnetCheck[] {
  const kind = subnetKind(instance.sku, instance.vnetType);
  const lengths = ipv4Prefixes(subnet);
  return [
    delegationCheck(subnet, kind),
    sizeCheck(subnet, kind, lengths),
    region ? capacityCheck(subnet, instance, region, kind, lengths) : undefined,
  ].filter((check): check is SubnetCheck => check !== undefined);
}
