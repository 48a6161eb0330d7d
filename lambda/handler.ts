import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { ConfigError, readEnvironment } from './config';
import * as regionsModule from './aws/regions';
import { awsDeps } from './default-deps';
import type { AccountContext } from './core/types';
import { toRequest } from './events';
import { sendCloudFormationResponse } from './aws/cloudformation-response';
import { answerCustomResource, isCustomResourceEvent, type DeployAnswer } from './custom-resource';
import { answerHook, type HookResponse } from './creation-guard';
import { firstScan } from './first-scan';
import { isRaiseActionEvent, raiseFromAction, type RaiseActionSummary } from './raise-action';
import { TELEMETRY } from './settings/schema';
import { isDegraded, runCheck, type Deps, type RunSummary } from './run';

const logger = new Logger({ serviceName: TELEMETRY.serviceName });
const metrics = new Metrics({ namespace: TELEMETRY.metricsNamespace, serviceName: TELEMETRY.serviceName });

/** Settings from the environment the stack sets (lambda/settings/schema.ts, README "Configuration"). */
export const configFromEnv = (env: NodeJS.ProcessEnv) => readEnvironment(env).config;

let defaultDeps: Deps | undefined;
const makeDefaultDeps = (): Deps => {
  if (defaultDeps) return defaultDeps;
  const { config, stateTable, homeRegion } = readEnvironment(process.env);
  return (defaultDeps = awsDeps({
    homeRegion: homeRegion ?? 'us-east-1',
    stateTable,
    alertTopicArn: config.alertTopicArn,
    ...(config.hubEventBusArn !== undefined ? { hubEventBusArn: config.hubEventBusArn } : {}),
    log: logger,
    regionsModule: () => Promise.resolve(regionsModule),
  }));
};

/** Kept back from the Lambda's remaining time: the handler's own metrics and log after the run. */
export const HANDLER_MARGIN_MS = 3_000;

/** Problems with the checker in this run: each degradation, and an alert that was not published. */
export const degradationCount = (s: RunSummary): number => s.degraded.length + (s.alert?.error !== undefined ? 1 : 0);

/**
 * The metric a run's problems are counted in. Only a scan writes `Degradations`, the Degraded
 * alarm's metric: a clean re-check or reminder between two degraded scans would otherwise turn the
 * alarm OK while the scans are still degraded. What a re-check or reminder could not do is repeated
 * by the next scan or reminder (an unpublished change stays "not alerted"), so their counts have no
 * alarm of their own: they are graphed and logged.
 */
export const DEGRADATION_METRIC = { scan: 'Degradations', recheck: 'RecheckDegradations', reminder: 'ReminderDegradations' } as const;

/** Problems of the re-checks a run did for others (queued behind its lease): re-checks' own metric. */
const queuedDegradations = (s: RunSummary): number => (s.queuedRechecks ?? []).reduce((n, r) => n + degradationCount(r), 0);

/**
 * The run's metrics (namespace AuroraBacktrackChecker): ScanCompleted is the heartbeat (every scan
 * that finished, degraded or not), the run's degradations (DEGRADATION_METRIC) and RunDuration
 * every run, and for a scan the verdict counts of each scanned Region with a `Region` dimension.
 */
export function recordMetrics(s: RunSummary, durationMs: number): void {
  if (s.mode === 'scan' && !s.skipped) metrics.addMetric('ScanCompleted', MetricUnit.Count, 1);
  const queued = queuedDegradations(s);
  if (s.mode === 'recheck') metrics.addMetric(DEGRADATION_METRIC.recheck, MetricUnit.Count, degradationCount(s) + queued);
  else {
    metrics.addMetric(DEGRADATION_METRIC[s.mode], MetricUnit.Count, degradationCount(s));
    if (s.queuedRechecks?.length) metrics.addMetric(DEGRADATION_METRIC.recheck, MetricUnit.Count, queued);
  }
  metrics.addMetric('RunDuration', MetricUnit.Milliseconds, durationMs);
  metrics.addMetric('RegionsNotScanned', MetricUnit.Count, s.totals.notScannedRegions);
  metrics.addMetric('AlertsPublished', MetricUnit.Count, s.alert?.published ? 1 : 0);
  if (s.mode !== 'scan') return;
  for (const r of s.regions.filter((x) => x.scanned)) {
    const counts: [string, number][] = [
      ['ClustersFailed', r.failedUnsuppressed],
      ['ClustersWarning', r.byStatus.WARNING],
      ['ClustersPassed', r.byStatus.PASSED],
      ['ClustersNotAvailable', r.byStatus.NOT_AVAILABLE],
      ['ClustersSuppressed', r.suppressed],
    ];
    // A single metric is written at once and forgets its dimensions: one per count.
    for (const [name, value] of counts) {
      const perRegion = metrics.singleMetric();
      perRegion.addDimension('Region', r.region);
      perRegion.addMetric(name, MetricUnit.Count, value);
    }
  }
}

/** When the run must be over: the Lambda's remaining time less the handler's margin; none outside Lambda. */
export function deadlineFrom(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined, nowMs = Date.now()): number | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  return nowMs + Math.max(0, context.getRemainingTimeInMillis() - HANDLER_MARGIN_MS);
}

/** Account and partition from the function's own ARN: no STS call needed inside Lambda. */
export function accountFromContext(context: Context | undefined): AccountContext | undefined {
  const m = /^arn:([^:]+):lambda:[^:]+:(\d{12}):function:/.exec(context?.invokedFunctionArn ?? '');
  return m ? { partition: m[1] as string, accountId: m[2] as string } : undefined;
}

/** The dependencies with the account taken from the function's own ARN when there is one. */
const withAccount = (base: Deps, context: Context | undefined): Deps => {
  const account = accountFromContext(context);
  return account ? { ...base, account: () => Promise.resolve(account) } : base;
};

type HandlerResult = Omit<RunSummary, 'evaluations'> | { ignored: true } | DeployAnswer | RaiseActionSummary;

/**
 * The Lambda shell: environment → config → runCheck → summary and metrics. A degraded run returns
 * its summary (the Degradations metric and its alarm report it, and it logs an error line); only a
 * bad configuration or a crash throws (the Errors alarm).
 */
export const createHandler = (
  getDeps: () => Deps = makeDefaultDeps,
  respond = sendCloudFormationResponse,
): ((event: unknown, context?: Context) => Promise<HandlerResult>) => {
  const handle = async (event: unknown, context?: Context): Promise<HandlerResult> => {
    if (context) logger.addContext(context);
    // The stack's custom resource (lambda/custom-resource.ts): the first scan on deploy, then the answer.
    if (isCustomResourceEvent(event)) {
      // Everything that can throw (settings included) is inside the run, so CloudFormation always gets its answer.
      const run = () => {
        const homeRegion = readEnvironment(process.env).homeRegion ?? 'us-east-1';
        return firstScan(context, { scan: handle, cloudWatch: getDeps().clients(homeRegion).cloudWatch, log: logger });
      };
      return answerCustomResource(event, run, { respond, log: logger });
    }
    let config;
    try {
      config = configFromEnv(process.env);
    } catch (err) {
      if (err instanceof ConfigError) logger.error(err.message);
      throw err;
    }
    // The Security Hub custom action "Raise Backtrack" (lambda/raise-action.ts), with its re-checks' metrics.
    if (isRaiseActionEvent(event)) {
      const result = await raiseFromAction(config, withAccount(getDeps(), context), event, { deadline: deadlineFrom(context) });
      for (const r of result.rechecks) recordMetrics(r, Date.parse(r.finishedAt) - Date.parse(r.startedAt));
      metrics.publishStoredMetrics();
      logger.info('Security Hub action finished', {
        outcomes: result.outcomes,
        alert: result.alert && { ...result.alert, message: undefined },
      });
      if (result.alert?.error) logger.error('action alert not published', { alertNotPublished: result.alert.error });
      return result;
    }
    const request = toRequest(event);
    if (!request) {
      logger.info('event concerns no Aurora cluster: nothing to re-check', { event });
      return { ignored: true };
    }
    const base = getDeps();
    const account = accountFromContext(context);
    const deps: Deps = account ? { ...base, account: () => Promise.resolve(account) } : base;
    const started = Date.now();
    const summary = await runCheck(config, deps, request, { deadline: deadlineFrom(context) });
    recordMetrics(summary, Date.now() - started);
    metrics.publishStoredMetrics();
    const { evaluations: _omit, ...rest } = summary;
    const withoutMessage = <T extends Pick<RunSummary, 'alert'>>(r: T): T => ({
      ...r,
      alert: r.alert && { ...r.alert, message: undefined },
    });
    logger.info('run finished', { summary: { ...withoutMessage(rest), queuedRechecks: rest.queuedRechecks?.map(withoutMessage) } });
    for (const r of [summary, ...(summary.queuedRechecks ?? [])].filter(isDegraded)) {
      logger.error('run degraded', {
        ...(r !== summary ? { queuedRecheck: true } : {}),
        degraded: r.degraded.map((d) => d.message),
        ...(r.alert?.error ? { alertNotPublished: r.alert.error } : {}),
      });
    }
    return rest;
  };
  return handle;
};

export const handler = createHandler();

/**
 * The creation guard's entry (`index.hookHandler`, lib/creation-guard.ts): the CloudFormation
 * Lambda hook's function runs the same bundle as the checker, judges the cluster in the request by
 * the policy in its environment, and makes no AWS call. It never throws (lambda/creation-guard.ts).
 */
export const hookHandler = (event: unknown, context?: Context): Promise<HookResponse> => {
  if (context) logger.addContext(context);
  const settings = () => {
    const { config, homeRegion } = readEnvironment(process.env);
    return { policy: config.policy, ...(homeRegion !== undefined ? { homeRegion } : {}) };
  };
  const answer = answerHook(event, settings, new Date());
  logger.info('creation guard answered', { hookStatus: answer.hookStatus, errorCode: answer.errorCode, message: answer.message });
  return Promise.resolve(answer);
};
