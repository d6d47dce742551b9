import type { FleetReport } from '../analysis/report.js';
import { blockedOf, problemsOf, uncheckedOf } from '../analysis/triage.js';

/**
 * `check`'s exit codes (docs/design.md, "CLI"): 0 healthy, 1 a paging dependency down or blocked (a required flow or
 * route that the subnet's configuration blocks), 2 could not check.
 */
export const EXIT_HEALTHY = 0;
export const EXIT_PAGING = 1;
export const EXIT_COULD_NOT_CHECK = 2;

export function exitCodeOf(report: FleetReport): number {
  if (problemsOf(report).some((problem) => problem.pages) || blockedOf(report).length > 0) return EXIT_PAGING;
  if (uncheckedOf(report).length > 0) return EXIT_COULD_NOT_CHECK;
  return EXIT_HEALTHY;
}
