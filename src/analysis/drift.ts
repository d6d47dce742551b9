/**
 * Drift: instances and regions that should be configured alike, compared aspect by aspect. Each member
 * describes an aspect as key -> value (e.g. flows: "outbound Sql 1433" -> "allowed"); expected
 * asymmetries are left out of those maps by the caller, so everything compared here should match.
 */

export interface DriftMember {
  /** Lower-cased instance ID. */
  instance: string;
  apimService: string;
  location: string;
  aspects: Record<string, Record<string, string>>;
}

export interface DriftDifference {
  aspect: string;
  key: string;
  /** What this member has. */
  value: string;
  /** What the group's reference has. */
  expected: string;
  /** Members holding the reference value, for the message. */
  expectedFrom: string[];
}

export interface DriftMemberResult {
  instance: string;
  apimService: string;
  location: string;
  /** aspect -> whether this member differs from the group's reference. */
  drifted: Record<string, boolean>;
  differences: DriftDifference[];
}

export interface DriftGroupResult {
  group: string;
  members: DriftMemberResult[];
}

/**
 * The reference value of a key is the most common one; a tie goes to the healthier value (the
 * earlier in `preference`), so that the member missing an allow is the one flagged, not the others.
 */
function referenceValue(values: string[], preference: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const rank = (value: string) => {
    const index = preference.indexOf(value);
    return index === -1 ? preference.length : index;
  };
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]))[0]![0];
}

export const HEALTHIER_FIRST = ['allowed', 'true', 'ok', 'partial', 'false', 'denied'] as const;

export function compareGroup(group: string, members: DriftMember[], aspects: readonly string[]): DriftGroupResult {
  const results: DriftMemberResult[] = members.map((member) => ({
    instance: member.instance,
    apimService: member.apimService,
    location: member.location,
    drifted: Object.fromEntries(aspects.map((aspect) => [aspect, false])),
    differences: [],
  }));
  if (members.length < 2) return { group, members: results };
  for (const aspect of aspects) {
    const keys = new Set(members.flatMap((member) => Object.keys(member.aspects[aspect] ?? {})));
    for (const key of [...keys].sort()) {
      // A member without the key left it out on purpose (an expected asymmetry): it takes no part.
      const values = members.map((member) => member.aspects[aspect]?.[key]);
      const present = values.filter((value): value is string => value !== undefined);
      if (present.length < 2) continue;
      const expected = referenceValue(present, HEALTHIER_FIRST);
      const expectedFrom = members.filter((_, index) => values[index] === expected).map((m) => `${m.apimService}/${m.location}`);
      values.forEach((value, index) => {
        if (value === undefined || value === expected) return;
        const result = results[index]!;
        result.drifted[aspect] = true;
        result.differences.push({ aspect, key, value, expected, expectedFrom });
      });
    }
  }
  return { group, members: results };
}
