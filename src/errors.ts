/**
 * The catalogue of errors a user can fix. Each has a stable code (for logs and scripts) and a message
 * that names what was wrong and how to fix it; the CLI prints them without a stack trace.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'NETWATCH_CONFIG_INVALID',
  CREDENTIAL_CONFIG: 'NETWATCH_CREDENTIAL_CONFIG',
  WORLD_INVALID: 'NETWATCH_WORLD_INVALID',
  RESOURCE_ID_INVALID: 'NETWATCH_RESOURCE_ID_INVALID',
  NETWORK_CONFIG_INVALID: 'NETWATCH_NETWORK_CONFIG_INVALID',
  WHATIF_INPUT: 'NETWATCH_WHATIF_INPUT',
  PROPOSAL_INPUT: 'NETWATCH_PROPOSAL_INPUT',
  USAGE: 'NETWATCH_USAGE',
  SERVER_LISTEN: 'NETWATCH_SERVER_LISTEN',
  PROBE_FAILED: 'NETWATCH_PROBE_FAILED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class UserError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
