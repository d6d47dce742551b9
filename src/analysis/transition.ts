import { isFailedState, isTransitional } from '../model/provisioning-state.js';
import type { InstanceSnapshot } from '../model/snapshot.js';
import type { TransitionReport } from './report.js';

/**
 * How long a transitioning instance's last NetworkStatus is held before the refusal counts as a failure again.
 * Microsoft says infrastructure changes (scaling, VNet, regions) take "15 minutes or longer", longer with more units
 * and regions; a multi-region Premium update can run for hours. Six hours covers those; an instance still
 * transitioning after that is stuck (a support case), and the monitor is blind to it: it pages as a failed target.
 */
export const TRANSITION_GRACE_SECONDS = 6 * 60 * 60;

/**
 * The instance's provisioning as the report shows it: transitioning (NetworkStatus refused while an operation runs;
 * `held` within the grace, `stuck` past it), or a failed last operation. Undefined for a settled, successful instance.
 */
export function judgeTransition(snapshot: InstanceSnapshot, now: Date): TransitionReport | undefined {
  const info = snapshot.instance;
  const state = info.provisioningState;
  if (!snapshot.transition && !isFailedState(state)) return undefined;
  const report: TransitionReport = { provisioningState: state ?? 'unknown', held: false, stuck: false, failed: isFailedState(state) };
  if (info.targetProvisioningState) report.targetProvisioningState = info.targetProvisioningState;
  const transition = snapshot.transition;
  if (transition && isTransitional(state)) {
    const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(transition.since)) / 1000));
    report.since = transition.since;
    report.seconds = Number.isNaN(seconds) ? 0 : seconds;
    report.stuck = report.seconds > TRANSITION_GRACE_SECONDS;
    report.held = !report.stuck;
    report.refused = transition.refused;
  }
  return report;
}

/** What the report says of a transition, in one line (check, the pages, the failure of a stuck one). */
export function transitionSentence(transition: TransitionReport): string {
  const target = transition.targetProvisioningState ? ` (to ${transition.targetProvisioningState})` : '';
  if (transition.failed) return `provisioningState ${transition.provisioningState}: the last operation on the instance failed`;
  const since = transition.since ? ` since ${transition.since}` : '';
  const refused = transition.refused ? `NetworkStatus answers ${transition.refused.statusCode ?? ''} ${transition.refused.code}`.replace('  ', ' ') : 'NetworkStatus refused';
  if (transition.stuck) {
    return `provisioningState ${transition.provisioningState}${target}${since}, longer than the ${TRANSITION_GRACE_SECONDS / 3600} h allowed: stuck; ${refused}, counted as a failure`;
  }
  return `provisioningState ${transition.provisioningState}${target}${since}: ${refused} until the operation ends; the last status is held, not judged stale`;
}
