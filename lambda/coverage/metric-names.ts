/** The coverage function's metrics, named once for the function and the hub's alarm and dashboard. */
import { TELEMETRY } from '../settings/schema';

export const COVERAGE_METRICS = {
  covered: 'CoveredAccounts',
  active: 'ActiveAccounts',
  uncovered: 'UncoveredAccounts',
  deploying: 'DeployingAccounts',
} as const;
/** The Powertools `service` dimension of the coverage metrics (namespace: the checker's). */
export const COVERAGE_SERVICE = `${TELEMETRY.serviceName}-coverage`;
