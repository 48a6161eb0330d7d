/**
 * Typed errors raised by the AWS adapters. Each message names the Region, table or value involved
 * and what to do about it, so the run summary and the alert can show it as is.
 */

/** Security Hub (CSPM) is not enabled, or the account is not subscribed, in this Region. */
export class SecurityHubNotEnabledError extends Error {
  override readonly name = 'SecurityHubNotEnabledError';

  constructor(
    readonly region: string,
    readonly awsMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Security Hub is not enabled in ${region} (AWS said: ${awsMessage || 'InvalidAccess'}). ` +
        `Enable Security Hub CSPM in ${region} (aws securityhub enable-security-hub --region ${region}) ` +
        'or stop watching that Region; its findings were not published.',
      options,
    );
  }
}

/** Security Hub refused a BatchImportFindings call because it carried more than 100 findings. */
export class FindingsBatchTooLargeError extends Error {
  override readonly name = 'FindingsBatchTooLargeError';

  constructor(
    readonly region: string,
    readonly sent: number,
    readonly awsMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Security Hub in ${region} rejected a batch of ${sent} findings as too large (AWS said: ${awsMessage}). ` +
        'Batches are split at 100 findings, the documented limit; if AWS has lowered it, lower FINDINGS_PER_CALL in lambda/aws/security-hub.ts.',
      options,
    );
  }
}

/** An AWS API answered with something the adapter cannot use (a missing field, a looping page token). */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError';

  constructor(
    readonly service: string,
    readonly region: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${service} in ${region} returned an unusable response: ${detail}. ` +
        'This is an AWS-side or emulator fault; retry the run, and report it if it persists.',
      options,
    );
  }
}

/** The state table could not be read or written. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';

  constructor(
    readonly tableName: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `State table "${tableName}": ${detail}. Check that the table exists in this Region, that STATE_TABLE ` +
        '(or --state-table) names it, and that the function may read and write it; the next run retries.',
      options,
    );
  }
}

/** Error name and message of anything thrown, for reports. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof Error) return { code: err.name, message: err.message };
  return { code: 'UnknownError', message: String(err) };
}
