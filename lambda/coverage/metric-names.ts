/** The coverage function's metrics, named once for the function and the hub's alarm and dashboard. */
import { TELEMETRY } from '../settings/schema';

export const COVERAGE_METRICS = {
  covered: 'CoveredAccounts',
  active: 'ActiveAccounts',
  uncovered: 'UncoveredAccounts',
  deploying: 'DeployingAccounts',
} as const;
/** 1 each time a scheduled check completes (not the digest, not a report): the hub's CoverageHeartbeat alarm reads it. */
export const COVERAGE_CHECK_COMPLETED = 'CoverageCheckCompleted';
/** The Powertools `service` dimension of the coverage metrics (namespace: the checker's). */
export const COVERAGE_SERVICE = `${TELEMETRY.serviceName}-coverage`;
