import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { ConfigError, ENV_NAMES, parseSettings } from './config';
import { awsDeps } from './default-deps';
import type { AccountContext } from './core/types';
import { toRequest } from './events';
import { CheckDegradedError, isDegraded, runCheck, type Deps, type RunSummary } from './run';

const logger = new Logger({ serviceName: 'aurora-backtrack-checker' });
const metrics = new Metrics({ namespace: 'AuroraBacktrackChecker', serviceName: 'aurora-backtrack-checker' });

/** Settings from the environment the stack sets (see README "Configuration"). */
export function configFromEnv(env: NodeJS.ProcessEnv) {
  return parseSettings(
    {
      regions: env.REGIONS,
      minWindowHours: env.MIN_WINDOW_HOURS,
      tagPrefix: env.TAG_PREFIX,
      exemptTagKey: env.EXEMPT_TAG_KEY,
      publishFindings: env.PUBLISH_FINDINGS ?? 'true',
      alertTopicArn: env.ALERT_TOPIC_ARN,
      reminderAfterDays: env.REMINDER_AFTER_DAYS,
      actualWindow: env.ACTUAL_WINDOW,
      pageSize: env.PAGE_SIZE,
      maxExemptionDays: env.MAX_EXEMPTION_DAYS,
      backtrackRegions: env.BACKTRACK_REGIONS,
    },
    ENV_NAMES,
  );
}

let defaultDeps: Deps | undefined;
const makeDefaultDeps = (): Deps =>
  (defaultDeps ??= awsDeps({
    homeRegion: process.env.AWS_REGION ?? 'us-east-1',
    stateTable: process.env.STATE_TABLE || undefined,
    alertTopicArn: process.env.ALERT_TOPIC_ARN || undefined,
    log: logger,
  }));

function recordMetrics(s: RunSummary): void {
  const t = s.totals;
  metrics.addMetric('ClustersFailed', MetricUnit.Count, t.failedUnsuppressed);
  metrics.addMetric('ClustersWarning', MetricUnit.Count, t.warning);
  metrics.addMetric('ClustersPassed', MetricUnit.Count, t.passed);
  metrics.addMetric('ClustersSuppressed', MetricUnit.Count, t.suppressed);
  metrics.addMetric('RegionsNotScanned', MetricUnit.Count, t.notScannedRegions);
  metrics.addMetric('Degradations', MetricUnit.Count, s.degraded.length);
  metrics.addMetric('AlertsPublished', MetricUnit.Count, s.alert?.published ? 1 : 0);
}

/** Account and partition from the function's own ARN: no STS call needed inside Lambda. */
export function accountFromContext(context: Context | undefined): AccountContext | undefined {
  const m = /^arn:([^:]+):lambda:[^:]+:(\d{12}):function:/.exec(context?.invokedFunctionArn ?? '');
  return m ? { partition: m[1] as string, accountId: m[2] as string } : undefined;
}

/** The Lambda shell: environment → config → runCheck → summary and metrics; throws when degraded. */
export const createHandler =
  (getDeps: () => Deps = makeDefaultDeps) =>
  async (event: unknown, context?: Context): Promise<Omit<RunSummary, 'evaluations'> | { ignored: true }> => {
    if (context) logger.addContext(context);
    let config;
    try {
      config = configFromEnv(process.env);
    } catch (err) {
      if (err instanceof ConfigError) logger.error(err.message);
      throw err;
    }
    const request = toRequest(event);
    if (!request) {
      logger.info('event concerns no Aurora cluster: nothing to re-check', { event });
      return { ignored: true };
    }
    const base = getDeps();
    const account = accountFromContext(context);
    const deps: Deps = account ? { ...base, account: () => Promise.resolve(account) } : base;
    const summary = await runCheck(config, deps, request);
    recordMetrics(summary);
    metrics.publishStoredMetrics();
    const { evaluations: _omit, ...rest } = summary;
    logger.info('run finished', { summary: { ...rest, alert: rest.alert && { ...rest.alert, message: undefined } } });
    if (isDegraded(summary)) throw new CheckDegradedError(summary);
    return rest;
  };

export const handler = createHandler();
