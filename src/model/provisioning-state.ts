/**
 * An APIM service's `provisioningState`. The SDK documents its values (@azure/arm-apimanagement,
 * `ApiManagementServiceBaseProperties.provisioningState`): Created, Activating, Succeeded, Updating, Failed,
 * Stopped, Terminating, TerminationFailed, Deleted. ARM's resource provider contract makes Succeeded, Failed and
 * Canceled the terminal states and every other one transitional; APIM adds terminal states of its own.
 */

/** States an operation ends in (compared case-insensitively): nothing is under way. */
const SETTLED = new Set(['succeeded', 'failed', 'canceled', 'cancelled', 'stopped', 'terminationfailed', 'deleted']);

/** States in which an operation failed: not transitional, and worth showing. */
const FAILED = new Set(['failed', 'terminationfailed']);

/**
 * Whether an operation is under way (Created, Activating, Updating, Terminating, or any state ARM does not
 * list as settled). An absent or empty state is not a transition: most bodies that lack it are old or partial.
 */
export function isTransitional(state: string | undefined): boolean {
  const lower = state?.trim().toLowerCase() ?? '';
  return lower !== '' && !SETTLED.has(lower);
}

/** Whether the last operation on the instance failed (`Failed`, `TerminationFailed`). */
export function isFailedState(state: string | undefined): boolean {
  return FAILED.has(state?.trim().toLowerCase() ?? '');
}
