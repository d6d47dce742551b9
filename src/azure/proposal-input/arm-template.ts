import { instancesOf, resolvedName, resolvedProperties, resolvedText, type Instance } from './arm-instances.js';
import { resolveValue } from './arm-resolve.js';
import { templateRules } from './arm-rule-doubts.js';
import { TemplateScope, type GivenParameter, type ParameterSource } from './arm-scope.js';
import { childItem, routeReasons } from './arm-template-children.js';
import { addOrphans, appendChild, type ChildDoubts, type Orphan } from './children.js';
import { armBody, Collected } from './collected.js';
import { isRecord, nameOf, sameName, type Json } from './json.js';
import { KINDS, NSG_TYPE, PARENT_KIND, ROUTE_TABLE_TYPE, typeShape, type Kind } from './kinds.js';
import { EXPECTED, heldInstead, listed, refuse, shown } from './messages.js';
import type { FoundResource, ProposalContents, ProposalReader } from './types.js';

/**
 * ARM templates (compiled Bicep too), with nested deployments' inline templates and languageVersion 2.0's
 * symbolic names. Expressions are evaluated over the template's parameters (given with `--parameters`, else
 * their defaults) and variables, copy loops expanded, conditions applied: names and rules are judged as a
 * deployment would make them. What cannot be evaluated is kept as written and makes what it could decide
 * unknown (arm-rule-doubts.ts).
 */

const DEPLOYMENT_TYPE = 'microsoft.resources/deployments';

/** How a value is given to the file's own template. */
const TOP_LEVEL_SOURCE = 'none was given with --parameters';

/** An ARM template's `resources`: an array, or (languageVersion 2.0) an object keyed by symbolic name. */
function templateEntries(resources: unknown): Array<{ at: string; resource: Json }> {
  if (Array.isArray(resources)) return resources.flatMap((resource: unknown, index) => (isRecord(resource) ? [{ at: `resources[${index}]`, resource }] : []));
  if (isRecord(resources)) return Object.entries(resources).flatMap(([symbol, resource]) => (isRecord(resource) ? [{ at: `resources.${symbol}`, resource }] : []));
  return [];
}

/** What a user should know about how a parent is declared, though it is no error. */
function parentNotes(instance: Instance, about: string, notes: string[]): void {
  if (instance.existence) notes.push(`${instance.where}: ${about} is judged as if deployed, though ${instance.existence}`);
  if (instance.unknownLoop) notes.push(`${instance.where}: ${about} is judged as one copy: ${instance.unknownLoop.reason}; what depends on its copy index is unknown`);
}

/** An NSG / route table declared in a template, with any child rules (routes) nested in its own `resources`. */
function templateParent(resource: Json, kind: Kind, instance: Instance, out: Collected): FoundResource {
  const { name, written } = resolvedName(resource.name, instance.scope);
  parentNotes(instance, `${KINDS[kind].label} "${shown(name)}"`, out.notes);
  const identity: Json = { name };
  const location = resolvedText(resource.location, instance.scope);
  if (location !== undefined) identity.location = location;
  const { properties, unresolved } = resolvedProperties(resource, instance.scope);
  const found: FoundResource = { kind, name, where: instance.where, body: {} };
  if (written !== name) found.writtenName = written;
  if (kind === 'nsg') {
    const rules = templateRules(properties, unresolved);
    found.body = armBody(identity, resource.type, rules.properties);
    if (rules.doubts.size > 0) found.ruleDoubts = rules.doubts;
  } else {
    found.body = armBody(identity, resource.type, properties);
    const reasons = routeReasons(unresolved);
    if (reasons.length > 0) found.unresolvedValues = reasons;
  }
  out.add(found);
  for (const { at, resource: child } of templateEntries(resource.resources)) {
    // Nested child resources may give their type relative to the parent's (`securityRules`) or in full.
    const type = nameOf(child.type).toLowerCase();
    if (type !== KINDS[kind].childType && typeShape(type) !== KINDS[kind].childShape) continue;
    const where = `${instance.where} > ${at}`;
    for (const copy of instancesOf(child, instance.scope, where, `${KINDS[kind].child} "${shown(nameOf(child.name))}"`, out.notes)) {
      const { item, doubts } = childItem(child, kind, copy);
      appendChild(found, item, out.notes, copy.where, { ...doubts, replacesSameName: true });
    }
  }
  return found;
}

interface Child {
  kind: Kind;
  item: Json;
  parent: string | undefined;
  doubts: ChildDoubts;
  where: string;
  written: string;
}

/** Separate child resources go to the one parent of the file whose name matches (evaluated, or as written); the rest are orphans. */
function attachTemplateChildren(parents: FoundResource[], children: Child[], out: Collected): void {
  const orphans: Orphan[] = [];
  for (const child of children) {
    const { kind, parent, item, where, doubts } = child;
    const matches = parent === undefined ? [] : parents.filter((found) => found.kind === kind && (sameName(found.name, parent) || sameName(found.writtenName, parent)));
    if (matches.length === 1) {
      appendChild(matches[0]!, item, out.notes, where, { ...doubts, replacesSameName: true });
      continue;
    }
    const label = KINDS[kind].label;
    const own = nameOf(item.name);
    const why =
      parent === undefined
        ? `the ${KINDS[kind].child} "${shown(child.written)}" does not say its ${label} in a form that can be read`
        : `the ${KINDS[kind].child} "${shown(own)}" belongs to ${label} "${shown(parent)}", which ${matches.length > 1 ? 'matches several resources' : 'is not deployed'} in the same template`;
    orphans.push({ kind, parent, key: parent ?? where, item, where, why, doubts });
  }
  addOrphans(orphans, out);
}

/** What a read has found so far, across the file's template and its nested deployments' templates. */
interface Scan {
  out: Collected;
  types: string[];
  parents: FoundResource[];
  children: Child[];
}

/** One template (the file's, or a nested deployment's): its NSGs and route tables, then its nested deployments' in order. */
function scanTemplate(template: Json, scope: TemplateScope, prefix: string, scan: Scan): void {
  const { out, types } = scan;
  for (const { at, resource } of templateEntries(template.resources)) {
    const where = `${prefix}${at}`;
    const type = nameOf(resource.type);
    types.push(type);
    const shape = typeShape(type);
    if ((shape === 'nsg' || shape === 'routeTable') && resource.existing === true) {
      out.notes.push(`${where}: ${KINDS[shape].label} "${shown(resolvedName(resource.name, scope).name)}" is an existing resource the template refers to, not one it deploys; not judged`);
    } else if (shape === 'nsg' || shape === 'routeTable') {
      for (const instance of instancesOf(resource, scope, where, `${KINDS[shape].label} "${shown(nameOf(resource.name))}"`, out.notes)) scan.parents.push(templateParent(resource, shape, instance, out));
    } else if (shape === 'rule' || shape === 'route') {
      const kind = PARENT_KIND[shape];
      for (const instance of instancesOf(resource, scope, where, `${KINDS[kind].child} "${shown(nameOf(resource.name))}"`, out.notes)) {
        scan.children.push({ kind, ...childItem(resource, kind, instance), where: instance.where, written: nameOf(resource.name) });
      }
    } else if (type.toLowerCase() === DEPLOYMENT_TYPE) {
      for (const instance of instancesOf(resource, scope, where, `deployment "${shown(nameOf(resource.name))}"`, out.notes)) scanDeployment(resource, instance, scan);
    }
  }
}

/** The values a nested deployment passes to its inner-scoped template, evaluated in the outer template when read. */
function passedParameters(parameters: unknown, instance: Instance, deployment: string): ParameterSource {
  const given = new Map<string, GivenParameter>();
  for (const [name, spec] of Object.entries(isRecord(parameters) ? parameters : {})) {
    const source = `passed by deployment "${deployment}"`;
    if (isRecord(spec) && 'reference' in spec) given.set(name, { unresolved: 'is a Key Vault reference, which whatif does not read', source });
    else given.set(name, { evaluate: () => resolveValue(isRecord(spec) ? spec.value : undefined, instance.scope), source });
  }
  return { given, howToGive: `deployment "${deployment}" does not pass one` };
}

/** A nested deployment's inline template is scanned too, in its own scope (`inner`) or its parent's; a linked one cannot be read here, which a note says. */
function scanDeployment(deployment: Json, instance: Instance, scan: Scan): void {
  const { out } = scan;
  const properties = isRecord(deployment.properties) ? deployment.properties : {};
  const name = shown(resolvedName(deployment.name, instance.scope).name);
  const prefix = `${instance.where} (deployment "${name}") > `;
  if (isRecord(properties.template)) {
    const options = isRecord(properties.expressionEvaluationOptions) ? properties.expressionEvaluationOptions : {};
    if (nameOf(options.scope).toLowerCase() !== 'inner') {
      scanTemplate(properties.template, instance.scope, prefix, scan);
      return;
    }
    const inner = TemplateScope.of(properties.template, passedParameters(properties.parameters, instance, name));
    scanTemplate(properties.template, inner, prefix, scan);
    scopeNotes(inner, `${instance.where} (deployment "${name}")`, out.notes);
  } else if (properties.templateLink !== undefined) {
    out.notes.push(`${instance.where}: deployment "${name}" links to a template elsewhere, which is not read; pass that template too if it holds an NSG`);
  }
}

/** Parameters read without a value, and values that fell back to defaults: said once per template. */
function scopeNotes(scope: TemplateScope, where: string | undefined, notes: string[]): void {
  const missing = scope.missingParameters;
  const at = where === undefined ? '' : `${where}: `;
  if (missing.length > 0) {
    const fix = where === undefined ? '; give them with --parameters NAME=VALUE or a parameters file' : '';
    notes.push(`${at}parameters with no value (no defaultValue, none given): ${listed(missing.map((name) => `"${name}"`), 10)}; what depends on them is unknown${fix}`);
  }
  for (const note of scope.notes) notes.push(`${at}${note}`);
}

function isArmTemplate(json: Json): boolean {
  const schema = typeof json.$schema === 'string' ? json.$schema.toLowerCase() : '';
  return schema.includes('deploymenttemplate') || ('resources' in json && 'contentVersion' in json);
}

function readArmTemplate(template: Json, file: string, parameters: ReadonlyMap<string, GivenParameter>): ProposalContents {
  const scan: Scan = { out: new Collected(), types: [], parents: [], children: [] };
  const { out, types } = scan;
  const scope = TemplateScope.of(template, { given: parameters, howToGive: TOP_LEVEL_SOURCE });
  scanTemplate(template, scope, '', scan);
  // Across templates: a nested deployment may add rules to an NSG its parent template deploys (in the same resource group).
  attachTemplateChildren(scan.parents, scan.children, out);
  if (out.empty) {
    const skipped = out.notes.filter((note) => / is not deployed: /.test(note));
    if (skipped.length > 0) throw refuse(file, `with these parameters the template deploys no NSG or route table: ${skipped.join('; ')}`);
    throw refuse(file, `expected ${NSG_TYPE} or ${ROUTE_TABLE_TYPE} in this ARM template, found ${heldInstead(types.filter((type) => type !== ''))}; pass the template that declares the NSG`);
  }
  scopeNotes(scope, undefined, out.notes);
  return out.contents('arm-template');
}

/** Whether a document is an ARM template, so that `--parameters` may apply to it. */
export function isArmTemplateDocument(json: unknown): json is Json {
  return isRecord(json) && isArmTemplate(json);
}

/** An ARM template; a deployment parameters file, which looks like one, is refused with a hint. */
export const readArmTemplateDocument: ProposalReader = (json, file, parameters) => {
  if (!isRecord(json)) return undefined;
  if (typeof json.$schema === 'string' && json.$schema.toLowerCase().includes('deploymentparameters')) {
    throw refuse(file, `expected ${EXPECTED}, found an ARM deployment parameters file, which declares no resources; pass the template it goes with (and this file with --parameters)`);
  }
  return isArmTemplate(json) ? readArmTemplate(json, file, parameters) : undefined;
};
