import type { Dependency } from './dependencies.js';

/**
 * What pages on-call (docs/design.md, "Severity is a policy"): per dependency, either its
 * endpoints the API marks required (`required`) or any of its endpoints (`any`). One value of this type
 * drives `check`'s exit code, the status page, `whatif`, the alert rules and the dashboards.
 */
export type PagingScope = 'required' | 'any';

export type PagingPolicy = Readonly<Partial<Record<Dependency, PagingScope>>>;

export const PAGING_SCOPES: readonly PagingScope[] = ['required', 'any'];

/**
 * Storage, SQL and Key Vault page on their required endpoints: a real instance lists its Git share
 * (`FileStorage`, port 445) and SMTP queue as optional storage endpoints, and baselines that block SMB
 * make them fail forever. Graph pages on any endpoint: the API marks every Graph/Entra endpoint
 * optional, yet sign-in breaks without it.
 */
export const DEFAULT_PAGING_POLICY: PagingPolicy = { storage: 'required', sql: 'required', keyvault: 'required', graph: 'any' };

/** The scope a dependency gets when the config lists it without one (the list form of `paging.dependencies`). */
export function defaultScope(dependency: Dependency): PagingScope {
  return DEFAULT_PAGING_POLICY[dependency] ?? 'required';
}

/** `paging.dependencies` as a list: each dependency with its default scope. */
export function policyFromList(dependencies: readonly Dependency[]): PagingPolicy {
  return Object.fromEntries(dependencies.map((dependency) => [dependency, defaultScope(dependency)]));
}

/** Whether a failing endpoint (or blocked flow) of `dependency` that the API (or Microsoft's table) marks `required` pages. */
export function pagesOn(policy: PagingPolicy, dependency: Dependency, required: boolean): boolean {
  const scope = policy[dependency];
  return scope === 'any' || (scope === 'required' && required);
}

/** The dependencies the policy covers, in the given canonical order. */
export function pagingDependencies(policy: PagingPolicy, order: readonly Dependency[]): Dependency[] {
  return order.filter((dependency) => policy[dependency] !== undefined);
}

/** The policy as PromQL regexes over the `dependency` label: one per scope (`""` matches no dependency). */
export function pagingRegexes(policy: PagingPolicy): Record<PagingScope, string> {
  const of = (scope: PagingScope) =>
    Object.entries(policy)
      .filter(([, value]) => value === scope)
      .map(([dependency]) => dependency)
      .sort()
      .join('|');
  return { required: of('required'), any: of('any') };
}

/** `storage, sql, keyvault (required endpoints); graph (any endpoint)`, or `nothing`. */
export function describePolicy(policy: PagingPolicy): string {
  const parts: string[] = [];
  const { required, any } = pagingRegexes(policy);
  if (required) parts.push(`${required.split('|').join(', ')} (required endpoints)`);
  if (any) parts.push(`${any.split('|').join(', ')} (any endpoint)`);
  return parts.join('; ') || 'nothing';
}
