import { addOrphans, appendChild, type Orphan } from './children.js';
import { Collected } from './collected.js';
import { isRecord, nameOf, type Json } from './json.js';
import { KINDS } from './kinds.js';
import { heldInstead, refuse, shown } from './messages.js';
import { tfBody, TF_SPECS, type TfResource, type TfSpec } from './terraform-azurerm.js';
import { tfParentsOf, type TfParent } from './terraform-parents.js';
import type { FoundResource, ProposalContents, ProposalReader } from './types.js';

/** Terraform: `terraform show -json PLANFILE` (a plan) and `terraform show -json` (state). */

/** A module's managed resources, then its child modules', as Terraform lists them. Data sources read what exists: not proposed. */
function tfResources(module: unknown): TfResource[] {
  if (!isRecord(module)) return [];
  const own = (Array.isArray(module.resources) ? module.resources : []).flatMap((resource: unknown) =>
    isRecord(resource) && typeof resource.address === 'string' && typeof resource.type === 'string' && resource.mode !== 'data'
      ? [{ address: resource.address, type: resource.type, values: isRecord(resource.values) ? resource.values : {} }]
      : [],
  );
  const children = (Array.isArray(module.child_modules) ? module.child_modules : []).flatMap(tfResources);
  return [...own, ...children];
}

/** One azurerm parent type and its separate child type: parents in plan order, children joined to them. */
function readTfKind(spec: TfSpec, resources: TfResource[], configuration: unknown, document: string, out: Collected): void {
  const parents = resources
    .filter((resource) => resource.type === spec.parent)
    .map((resource): TfParent => {
      const values = resource.values;
      const found: FoundResource = { kind: spec.kind, name: typeof values.name === 'string' ? values.name : resource.address, where: resource.address, body: tfBody(values, KINDS[spec.kind].type, spec.properties(values)) };
      if (typeof values.name !== 'string') out.notes.push(`${resource.address}: the ${KINDS[spec.kind].label}'s name is not known until apply`);
      out.add(found);
      return { found, values, address: resource.address };
    });
  const mixed = new Set<string>();
  const orphans: Orphan[] = [];
  for (const child of resources.filter((resource) => resource.type === spec.child)) {
    const matches = tfParentsOf(child, parents, spec, configuration);
    if (matches.length === 1) {
      const parent = matches[0]!;
      if (Array.isArray(parent.values[spec.inline]) && (parent.values[spec.inline] as unknown[]).length > 0 && !mixed.has(parent.address)) {
        mixed.add(parent.address);
        out.notes.push(`${parent.address} has inline ${spec.inline} blocks and separate ${spec.child} resources; azurerm says not to mix them (each apply undoes the other); judged with both`);
      }
      appendChild(parent.found, spec.item(child.values), out.notes, child.address);
      continue;
    }
    const name = typeof child.values[spec.link] === 'string' ? (child.values[spec.link] as string) : undefined;
    const group = typeof child.values.resource_group_name === 'string' ? ` (resource group "${shown(child.values.resource_group_name)}")` : '';
    const label = KINDS[spec.kind].label;
    const why = name === undefined
      ? `its ${label}'s name is not known until apply and the plan's configuration does not tell which ${spec.parent} it is`
      : `refers to ${label} "${shown(name)}"${group}, which ${matches.length > 1 ? `matches ${matches.length} ${spec.parent} resources` : `is not in this ${document}`}`;
    orphans.push({ kind: spec.kind, parent: name, key: name === undefined ? child.address : `${name}|${nameOf(child.values.resource_group_name)}`, item: spec.item(child.values), where: child.address, why });
  }
  addOrphans(orphans, out);
}

/** A raw state file (`terraform.tfstate`): not what `terraform show -json` prints. */
function isTerraformStateFile(json: Json): boolean {
  return typeof json.version === 'number' && typeof json.terraform_version === 'string' && ('resources' in json || 'modules' in json);
}

function isTerraformJson(json: Json): boolean {
  return isRecord(json.planned_values) || (typeof json.format_version === 'string' && (isRecord(json.values) || typeof json.terraform_version === 'string'));
}

function readTerraform(json: Json, file: string): ProposalContents {
  const plan = isRecord(json.planned_values);
  const what = plan ? 'Terraform plan' : 'Terraform state (`terraform show -json`)';
  const root = plan ? (json.planned_values as Json).root_module : isRecord(json.values) ? json.values.root_module : undefined;
  const resources = tfResources(root);
  const out = new Collected();
  if (json.errored === true) out.notes.push('Terraform reported errors while planning: the plan may be incomplete');
  if (json.complete === false) out.notes.push('Terraform says the plan is incomplete (some changes are deferred): resources may be missing');
  for (const spec of TF_SPECS) readTfKind(spec, resources, json.configuration, plan ? 'plan' : 'state', out);
  if (out.empty) {
    throw refuse(file, `expected an azurerm_network_security_group or azurerm_route_table in this ${what}, found ${heldInstead(resources.map((resource) => resource.type))}; pass the plan of the configuration that declares the NSG`);
  }
  return out.contents(plan ? 'terraform-plan' : 'terraform-show');
}

/** `terraform show -json` output; a raw state file, which whatif does not read, is refused with how to get the former. */
export const readTerraformDocument: ProposalReader = (json, file) => {
  if (!isRecord(json)) return undefined;
  if (isTerraformStateFile(json)) {
    throw refuse(file, `found a Terraform state file ("version": ${json.version}, terraform ${shown(nameOf(json.terraform_version))}), which whatif does not read; pass what \`terraform show -json PLANFILE\` prints for a plan (or \`terraform show -json\` for the current state)`);
  }
  return isTerraformJson(json) ? readTerraform(json, file) : undefined;
};
