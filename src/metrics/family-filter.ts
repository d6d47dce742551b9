/**
 * Which metric families are served (kube-state-metrics' `--metric-allowlist`/`--metric-denylist`, both at once):
 * each entry is a family name or a regular expression that must match the whole name. An empty allow list
 * allows every family; a family the deny list matches is never served, whatever the allow list says.
 * Applied to /metrics (the fleet's families and the monitor's own) and to what remote-write pushes.
 */
export interface FamilySelection {
  allow: readonly string[];
  deny: readonly string[];
}

export const ALL_FAMILIES: FamilySelection = { allow: [], deny: [] };

/** An entry as an anchored pattern: `apim_network_flow_.*` matches the whole name, never a part of it. */
export function familyPattern(entry: string): RegExp {
  return new RegExp(`^(?:${entry})$`);
}

/** Whether `family` is served under `selection`. */
export function familyFilter(selection: FamilySelection): (family: string) => boolean {
  if (selection.allow.length === 0 && selection.deny.length === 0) return () => true;
  const allow = selection.allow.map(familyPattern);
  const deny = selection.deny.map(familyPattern);
  return (family) => (allow.length === 0 || allow.some((pattern) => pattern.test(family))) && !deny.some((pattern) => pattern.test(family));
}

/**
 * The family a sample line belongs to: its name, less the suffixes a histogram or summary adds (prom-client's
 * `_bucket`, `_sum`, `_count` lines belong to the family its HELP line names).
 */
function familyOfLine(line: string, families: ReadonlySet<string>): string {
  const end = line.search(/[{ ]/);
  const name = end < 0 ? line : line.slice(0, end);
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count|total|created)$/, '');
  return families.has(base) ? base : name;
}

/**
 * The exposition text with only the families `selection` serves (the monitor's own metrics, a few hundred
 * lines from prom-client: the fleet's families are left out before they are rendered).
 */
export function keepFamilies(text: string, selection: FamilySelection): string {
  const keep = familyFilter(selection);
  if (selection.allow.length === 0 && selection.deny.length === 0) return text;
  const lines = text.split('\n');
  const families = new Set(lines.flatMap((line) => (line.startsWith('# HELP ') ? [line.split(' ')[2]!] : [])));
  return lines
    .filter((line) => {
      if (line === '') return true;
      if (line.startsWith('# ')) return keep(line.split(' ')[2] ?? '');
      return keep(familyOfLine(line, families));
    })
    .join('\n');
}
