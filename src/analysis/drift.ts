import { likeWithLabel, type LikeWith } from './drift-like-with.js';

/**
 * Drift: instances and regions that should be configured alike, compared aspect by aspect. Each member
 * describes an aspect as key -> value (e.g. flows: "outbound Sql 1433" -> "allowed"); expected
 * asymmetries are left out of those maps by the caller, so everything compared here should match.
 * A member is compared only with members like it (`likeWith`) and, per aspect, of its cohort.
 */

export interface DriftMember {
  /** Lower-cased instance ID. */
  instance: string;
  apimService: string;
  location: string;
  /** Compared only with members alike in VNet mode, platform and tier family; absent: with every member. */
  likeWith?: LikeWith;
  aspects: Record<string, Record<string, string>>;
  /** Per aspect, a state the members compared on it must share (routes: forced tunnelling or direct); absent: none. */
  cohorts?: Record<string, string>;
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
  /** The state the member was compared within (e.g. `forced tunnelling`), when the aspect has one. */
  cohort?: string;
}

export interface DriftMemberResult {
  instance: string;
  apimService: string;
  location: string;
  /** Whom it was compared with (like with like); absent when the group was compared whole. */
  likeWith?: LikeWith;
  /** aspect -> whether this member differs from the group's reference (what the metric and the alert say). */
  drifted: Record<string, boolean>;
  differences: DriftDifference[];
  /** Differences in what is optional (optional flows): shown, never drift (no metric, no alert). */
  optionalDifferences?: DriftDifference[];
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

/** The members compared with one another on `aspect`: alike, and of the same cohort for it. */
function comparableSets(members: readonly DriftMember[], aspect: string): DriftMember[][] {
  const sets = new Map<string, DriftMember[]>();
  for (const member of members) {
    const key = `${member.likeWith ? likeWithLabel(member.likeWith) : ''}|${member.cohorts?.[aspect] ?? ''}`;
    sets.set(key, [...(sets.get(key) ?? []), member]);
  }
  return [...sets.values()];
}

/** Each member of `members` that differs from their reference on `aspect`, with the difference. */
function differencesWithin(members: readonly DriftMember[], aspect: string): Array<[DriftMember, DriftDifference]> {
  if (members.length < 2) return [];
  const found: Array<[DriftMember, DriftDifference]> = [];
  const keys = new Set(members.flatMap((member) => Object.keys(member.aspects[aspect] ?? {})));
  for (const key of [...keys].sort()) {
    // A member without the key left it out on purpose (an expected asymmetry, an unknown verdict): it takes no part.
    const values = members.map((member) => member.aspects[aspect]?.[key]);
    const present = values.filter((value): value is string => value !== undefined);
    if (present.length < 2) continue;
    const expected = referenceValue(present, HEALTHIER_FIRST);
    const expectedFrom = members.filter((_, index) => values[index] === expected).map((m) => `${m.apimService}/${m.location}`);
    values.forEach((value, index) => {
      if (value === undefined || value === expected) return;
      const member = members[index]!;
      const cohort = member.cohorts?.[aspect];
      found.push([member, { aspect, key, value, expected, expectedFrom, ...(cohort ? { cohort } : {}) }]);
    });
  }
  return found;
}

/**
 * `aspects` are drift (`drifted`, the metric, the alert); `optionalAspects` are compared the same way
 * but only listed (`optionalDifferences`): what may legitimately differ is shown, never alerted on.
 */
export function compareGroup(group: string, members: DriftMember[], aspects: readonly string[], optionalAspects: readonly string[] = []): DriftGroupResult {
  const results = new Map<DriftMember, DriftMemberResult>(
    members.map((member) => [
      member,
      {
        instance: member.instance,
        apimService: member.apimService,
        location: member.location,
        ...(member.likeWith ? { likeWith: member.likeWith } : {}),
        drifted: Object.fromEntries(aspects.map((aspect) => [aspect, false])),
        differences: [],
        ...(optionalAspects.length > 0 ? { optionalDifferences: [] } : {}),
      },
    ]),
  );
  for (const aspect of aspects) {
    for (const set of comparableSets(members, aspect)) {
      for (const [member, difference] of differencesWithin(set, aspect)) {
        const result = results.get(member)!;
        result.drifted[aspect] = true;
        result.differences.push(difference);
      }
    }
  }
  for (const aspect of optionalAspects) {
    for (const set of comparableSets(members, aspect)) {
      for (const [member, difference] of differencesWithin(set, aspect)) results.get(member)!.optionalDifferences!.push(difference);
    }
  }
  return { group, members: [...results.values()] };
}
