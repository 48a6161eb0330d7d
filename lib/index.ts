export { BacktrackChecker, RECHECK_EVENT_NAMES, type BacktrackCheckerProps } from './backtrack-checker';
export { BacktrackCheckerStack, type BacktrackCheckerStackProps } from './backtrack-checker-stack';
export {
  CONTEXT_KEYS,
  ConfigError,
  DEFAULTS,
  loadConfig,
  readContext,
  type CheckerConfig,
  type ConfigProblem,
  type ContextKey,
} from './config';
export { loadContext, nearestSetting, unknownKeyProblems } from './context';
export {
  createAlarms,
  createDashboard,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  VERDICT_METRICS,
  type CheckerAlarms,
  type MonitoringProps,
} from './monitoring';
export { heartbeatWindow, longestGapSeconds, type HeartbeatWindow } from '../lambda/settings/schedule';
export { bundleHandler, HANDLER_ENTRY, type BundleOptions } from './bundle';
export { AUDIT_ROLE_NAME, AuditRole, type AuditRoleProps } from './audit-role';
export { BacktrackPolicy, cdkFix, type BacktrackPolicyProps } from './backtrack-policy';
