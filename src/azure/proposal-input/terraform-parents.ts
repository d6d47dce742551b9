import { isRecord, sameName, type Json } from './json.js';
import type { TfResource, TfSpec } from './terraform-azurerm.js';
import type { FoundResource } from './types.js';

/** Which azurerm parent a separate rule (route) resource belongs to. */

/** A parent as read from the plan, with what is needed to match its children to it. */
export interface TfParent {
  found: FoundResource;
  values: Json;
  address: string;
}

const MODULE_STEP = /^module\.([^.[]+)(?:\[(?:"[^"]*"|[^\]"])*\])?\./;

/** `module.a["x"].module.b.azurerm_x.y[0]` -> the module calls (a, b), the module instance prefix, and `azurerm_x.y[0]`. */
function splitAddress(address: string): { calls: string[]; prefix: string; local: string } {
  const calls: string[] = [];
  let rest = address;
  for (let step = MODULE_STEP.exec(rest); step; step = MODULE_STEP.exec(rest)) {
    calls.push(step[1]!);
    rest = rest.slice(step[0].length);
  }
  return { calls, prefix: address.slice(0, address.length - rest.length), local: rest };
}

function withoutIndex(address: string): string {
  return address.replace(/\[(?:"[^"]*"|[^\]"])*\]$/, '');
}

/**
 * When a child's parent name is unknown until apply, the plan's `configuration` still says which resource
 * the expression refers to: the address of that parent, in the child's module instance.
 */
function configuredParent(configuration: unknown, child: TfResource, spec: TfSpec): string | undefined {
  const { calls, prefix, local } = splitAddress(child.address);
  let module: unknown = isRecord(configuration) ? configuration.root_module : undefined;
  for (const call of calls) {
    const moduleCall = isRecord(module) && isRecord(module.module_calls) ? module.module_calls[call] : undefined;
    module = isRecord(moduleCall) ? moduleCall.module : undefined;
  }
  const resources: unknown[] = isRecord(module) && Array.isArray(module.resources) ? module.resources : [];
  const config = resources.find((resource) => isRecord(resource) && resource.address === withoutIndex(local));
  const expression = isRecord(config) && isRecord(config.expressions) ? config.expressions[spec.link] : undefined;
  const references: unknown[] = isRecord(expression) && Array.isArray(expression.references) ? expression.references : [];
  const pattern = new RegExp(`^${spec.parent}\\.[^.[]+(?:\\[[^\\]]*\\])?`);
  for (const reference of references) {
    const match = typeof reference === 'string' ? pattern.exec(reference) : null;
    if (match) return `${prefix}${match[0]}`;
  }
  return undefined;
}

/** The parents a separate child belongs to: by name and resource group, else by the configuration's reference. */
export function tfParentsOf(child: TfResource, parents: TfParent[], spec: TfSpec, configuration: unknown): TfParent[] {
  const name = child.values[spec.link];
  const group = child.values.resource_group_name;
  if (typeof name === 'string') {
    const named = parents.filter((parent) => sameName(parent.values.name, name));
    const grouped = named.filter((parent) => typeof group !== 'string' || typeof parent.values.resource_group_name !== 'string' || sameName(parent.values.resource_group_name, group));
    if (grouped.length > 0) return grouped;
  }
  const address = configuredParent(configuration, child, spec);
  return address === undefined ? [] : parents.filter((parent) => parent.address === address || withoutIndex(parent.address) === address);
}
