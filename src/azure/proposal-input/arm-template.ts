import { splitChildName } from './arm-child-name.js';
import { addOrphans, appendChild, type Orphan } from './children.js';
import { armBody, Collected } from './collected.js';
import { isRecord, nameOf, sameName, type Json } from './json.js';
import { KINDS, NSG_TYPE, PARENT_KIND, ROUTE_TABLE_TYPE, typeShape, type Kind } from './kinds.js';
import { EXPECTED, heldInstead, refuse, shown } from './messages.js';
import type { FoundResource, ProposalContents, ProposalReader } from './types.js';

/** ARM templates (compiled Bicep too), with nested deployments' inline templates and languageVersion 2.0's symbolic names. */

const DEPLOYMENT_TYPE = 'microsoft.resources/deployments';

/** An ARM template's `resources`: an array, or (languageVersion 2.0) an object keyed by symbolic name. */
function templateEntries(resources: unknown): Array<{ at: string; resource: Json }> {
  if (Array.isArray(resources)) return resources.flatMap((resource: unknown, index) => (isRecord(resource) ? [{ at: `resources[${index}]`, resource }] : []));
  if (isRecord(resources)) return Object.entries(resources).flatMap(([symbol, resource]) => (isRecord(resource) ? [{ at: `resources.${symbol}`, resource }] : []));
  return [];
}

/** A child rule (route) resource as an item of its parent's `securityRules` (`routes`). */
function childItem(child: Json): Json {
  const split = splitChildName(child.name);
  const own = split?.own ?? nameOf(child.name).split('/').pop() ?? '';
  return { name: own, properties: isRecord(child.properties) ? child.properties : {} };
}

/** What a user should know about how a template declares a resource, though it is no error. */
function templateNotes(resource: Json, label: string, where: string, notes: string[]): void {
  const about = `${where}: ${label} "${shown(nameOf(resource.name))}"`;
  if (resource.copy !== undefined) notes.push(`${about} is declared with a copy loop; judged as one copy`);
  if (resource.condition !== undefined && resource.condition !== true) notes.push(`${about} is deployed only when ${shown(nameOf(resource.condition))}`);
  if (resource.properties !== undefined && !isRecord(resource.properties)) notes.push(`${about} has properties ${shown(nameOf(resource.properties))}, which cannot be evaluated here; judged without them`);
  if (isRecord(resource.properties) && Array.isArray(resource.properties.copy)) notes.push(`${about} builds properties with a copy loop, which cannot be evaluated here; judged without them`);
}

/** An NSG / route table declared in a template, with any child rules (routes) nested in its own `resources`. */
function templateParent(resource: Json, kind: Kind, where: string, out: Collected): FoundResource | undefined {
  const label = KINDS[kind].label;
  if (resource.existing === true) {
    out.notes.push(`${where}: ${label} "${shown(nameOf(resource.name))}" is an existing resource the template refers to, not one it deploys; not judged`);
    return undefined;
  }
  templateNotes(resource, label, where, out.notes);
  const identity: Json = { name: resource.name };
  if (resource.location !== undefined) identity.location = resource.location;
  const body = armBody(identity, resource.type, isRecord(resource.properties) ? { ...resource.properties } : {});
  const found: FoundResource = { kind, name: nameOf(resource.name), where, body };
  out.add(found);
  for (const { at, resource: child } of templateEntries(resource.resources)) {
    // Nested child resources may give their type relative to the parent's (`securityRules`) or in full.
    const type = nameOf(child.type).toLowerCase();
    if (type === KINDS[kind].childType || typeShape(type) === KINDS[kind].childShape) {
      templateNotes(child, KINDS[kind].child, `${where} > ${at}`, out.notes);
      appendChild(found, childItem(child), out.notes, `${where} > ${at}`);
    }
  }
  return found;
}

/** Separate child resources go to the one parent of the same template whose name matches; the rest are orphans. */
function attachTemplateChildren(parents: FoundResource[], children: Array<{ kind: Kind; resource: Json; where: string }>, out: Collected): void {
  const orphans: Orphan[] = [];
  for (const { kind, resource, where } of children) {
    const split = splitChildName(resource.name);
    const matches = split ? parents.filter((parent) => parent.kind === kind && sameName(parent.body.name, split.parent)) : [];
    if (matches.length === 1) {
      appendChild(matches[0]!, childItem(resource), out.notes, where);
      continue;
    }
    const label = KINDS[kind].label;
    const why = !split
      ? `the ${KINDS[kind].child} "${shown(nameOf(resource.name))}" does not say its ${label} in a form that can be read`
      : `the ${KINDS[kind].child} "${shown(split.own)}" belongs to ${label} "${shown(split.parent)}", which ${matches.length > 1 ? 'matches several resources' : 'is not deployed'} in the same template`;
    orphans.push({ kind, parent: split?.parent, key: split?.parent ?? where, item: childItem(resource), where, why });
  }
  addOrphans(orphans, out);
}

/** One template (the file's, or a nested deployment's): its NSGs and route tables, then its nested deployments' in order. */
function scanTemplate(template: Json, prefix: string, out: Collected, types: string[]): void {
  const parents: FoundResource[] = [];
  const children: Array<{ kind: Kind; resource: Json; where: string }> = [];
  for (const { at, resource } of templateEntries(template.resources)) {
    const where = `${prefix}${at}`;
    const type = nameOf(resource.type);
    types.push(type);
    const shape = typeShape(type);
    if (shape === 'nsg' || shape === 'routeTable') {
      const parent = templateParent(resource, shape, where, out);
      if (parent) parents.push(parent);
    } else if (shape === 'rule' || shape === 'route') {
      const kind = PARENT_KIND[shape];
      templateNotes(resource, KINDS[kind].child, where, out.notes);
      children.push({ kind, resource, where });
    } else if (type.toLowerCase() === DEPLOYMENT_TYPE) {
      scanDeployment(resource, where, out, types);
    }
  }
  attachTemplateChildren(parents, children, out);
}

/** A nested deployment's inline template is scanned too; a linked one cannot be read here, which a note says. */
function scanDeployment(deployment: Json, where: string, out: Collected, types: string[]): void {
  const properties = isRecord(deployment.properties) ? deployment.properties : {};
  const name = shown(nameOf(deployment.name));
  if (isRecord(properties.template)) scanTemplate(properties.template, `${where} (deployment "${name}") > `, out, types);
  else if (properties.templateLink !== undefined) out.notes.push(`${where}: deployment "${name}" links to a template elsewhere, which is not read; pass that template too if it holds an NSG`);
}

function isArmTemplate(json: Json): boolean {
  const schema = typeof json.$schema === 'string' ? json.$schema.toLowerCase() : '';
  return schema.includes('deploymenttemplate') || ('resources' in json && 'contentVersion' in json);
}

function readArmTemplate(template: Json, file: string): ProposalContents {
  const out = new Collected();
  const types: string[] = [];
  scanTemplate(template, '', out, types);
  if (out.empty) {
    throw refuse(file, `expected ${NSG_TYPE} or ${ROUTE_TABLE_TYPE} in this ARM template, found ${heldInstead(types.filter((type) => type !== ''))}; pass the template that declares the NSG`);
  }
  return out.contents('arm-template');
}

/** An ARM template; a deployment parameters file, which looks like one, is refused with a hint. */
export const readArmTemplateDocument: ProposalReader = (json, file) => {
  if (!isRecord(json)) return undefined;
  if (typeof json.$schema === 'string' && json.$schema.toLowerCase().includes('deploymentparameters')) {
    throw refuse(file, `expected ${EXPECTED}, found an ARM deployment parameters file, which declares no resources; pass the template it goes with`);
  }
  return isArmTemplate(json) ? readArmTemplate(json, file) : undefined;
};
