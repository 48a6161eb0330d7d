/**
 * The hub's coverage function. Two kinds of event:
 * - a member's "Checker run completed" report from the hub's event bus: recorded;
 * - the schedule's `{ "mode": "check" }` (the members' scan schedule) or `{ "mode": "digest" }`
 *   (the reminder schedule): the coverage is judged, its change alerted once (the digest always),
 *   and the metrics CoveredAccounts, ActiveAccounts, UncoveredAccounts and DeployingAccounts written
 *   for the dashboard and the UncoveredAccounts alarm; a check (not the digest) that completes writes
 *   CoverageCheckCompleted, the hub's CoverageHeartbeat.
 * A bad configuration, an unknown event or a coverage that cannot be judged throws (the Errors alarm).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { DynamoCoverageStore } from '../aws/coverage-store';
import { publishAlert } from '../aws/sns';
import { listActiveAccountsUnder } from '../aws/organizations';
import { createStateDocumentClient } from '../aws/state';
import { sendCloudFormationResponse } from '../aws/cloudformation-response';
import { answerCustomResource, awaitDatapoint, isCustomResourceEvent, remainingOf, type DeployAnswer } from '../custom-resource';
import { RUN_COMPLETED } from '../core/coverage';
import { CLIENT_SETTINGS } from '../default-deps';
import { TELEMETRY } from '../settings/schema';
import { COVERAGE_CHECK_COMPLETED, COVERAGE_METRICS, COVERAGE_SERVICE } from './metric-names';
import { checkCoverage, recordReport, type CoverageDeps, type CoverageSummary, type RecordOutcome } from './run';
import { CoverageConfigError, readCoverageEnvironment, type CoverageSettings } from './settings';


const logger = new Logger({ serviceName: COVERAGE_SERVICE });
const metrics = new Metrics({ namespace: TELEMETRY.metricsNamespace, serviceName: COVERAGE_SERVICE });

let defaults: CoverageDeps | undefined;
function defaultDeps(settings: CoverageSettings): CoverageDeps {
  if (defaults) return defaults;
  // Organizations has one endpoint per partition (us-east-1 in aws); the SDK resolves it from any Region.
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const sns = new SNSClient({ region: settings.topicArn?.split(':')[3] || region, ...CLIENT_SETTINGS });
  const organizations = new OrganizationsClient({ region, ...CLIENT_SETTINGS });
  return (defaults = {
    now: () => new Date(),
    store: new DynamoCoverageStore(createStateDocumentClient(new DynamoDBClient({ region, ...CLIENT_SETTINGS })), settings.table),
    listAccounts: (parentIds) => listActiveAccountsUnder(organizations, parentIds),
    publish: (topicArn, alert) =>
      publishAlert(sns, topicArn, {
        subject: alert.subject,
        default: alert.default,
        email: alert.email,
        attributes: { severity: alert.severity, event: alert.event, accountId: alert.accountIds },
      }),
    log: logger,
  });
}

export type CoverageRequest = { kind: 'report'; event: Record<string, unknown> } | { kind: 'check'; digest: boolean };

/** What the event asks; an event of neither kind is refused with what was expected. */
export function toCoverageRequest(event: unknown): CoverageRequest {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  if (e.source === RUN_COMPLETED.source) return { kind: 'report', event: e };
  if (e.mode === 'check' || e.mode === 'digest') return { kind: 'check', digest: e.mode === 'digest' };
  throw new Error(
    `the coverage function takes a "${RUN_COMPLETED.detailType}" event of ${RUN_COMPLETED.source} or {"mode":"check"|"digest"}; got ${JSON.stringify(event)?.slice(0, 200)}`,
  );
}

export function recordCoverageMetrics(s: CoverageSummary): void {
  metrics.addMetric(COVERAGE_METRICS.covered, MetricUnit.Count, s.coverage.covered);
  metrics.addMetric(COVERAGE_METRICS.active, MetricUnit.Count, s.coverage.active);
  metrics.addMetric(COVERAGE_METRICS.uncovered, MetricUnit.Count, s.coverage.uncovered.length);
  metrics.addMetric(COVERAGE_METRICS.deploying, MetricUnit.Count, s.coverage.deploying.length);
  metrics.publishStoredMetrics();
}

/** The CoverageHeartbeat alarm's datapoint: one scheduled check completed. */
export function recordCheckCompleted(): void {
  metrics.addMetric(COVERAGE_CHECK_COMPLETED, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/** What the run on deploy uses besides the coverage deps: the answer's PUT, and CloudWatch to see the metrics arrive. */
export interface OnDeploy {
  respond: typeof sendCloudFormationResponse;
  cloudWatch: () => CloudWatchClient;
}

let cloudWatch: CloudWatchClient | undefined;
const onDeployDefaults: OnDeploy = {
  respond: sendCloudFormationResponse,
  cloudWatch: () => (cloudWatch ??= new CloudWatchClient({ region: process.env.AWS_REGION ?? 'us-east-1', ...CLIENT_SETTINGS })),
};

/** CoverageCheckCompleted: the CoverageHeartbeat alarm's datapoint, written by every completed check. */
const CHECK_METRIC = {
  namespace: TELEMETRY.metricsNamespace,
  metricName: COVERAGE_CHECK_COMPLETED,
  dimensions: { service: COVERAGE_SERVICE },
  alarm: 'coverage heartbeat',
};

export const createCoverageHandler = (
  getDeps: (settings: CoverageSettings) => CoverageDeps = defaultDeps,
  onDeploy: OnDeploy = onDeployDefaults,
): ((event: unknown, context?: Context) => Promise<RecordOutcome | CoverageSummary | DeployAnswer>) => {
  const handle = async (event: unknown, context?: Context): Promise<RecordOutcome | CoverageSummary | DeployAnswer> => {
    if (context) logger.addContext(context);
    // The hub's custom resource (lambda/custom-resource.ts): one coverage check on deploy, answered
    // once its metrics can be read, so alarms created after it (DependsOn) start over data; a check
    // that throws answers FAILED.
    if (isCustomResourceEvent(event)) {
      const check = async () => {
        const started = new Date();
        const s = (await handle({ mode: 'check' }, context)) as CoverageSummary;
        const seen = await awaitDatapoint(CHECK_METRIC, started, remainingOf(context), { cloudWatch: onDeploy.cloudWatch(), log: logger });
        return `first coverage check: ${s.coverage.covered} of ${s.coverage.active} ACTIVE accounts covered, ${s.coverage.deploying.length} deploying; ${seen}`;
      };
      return answerCustomResource(event, check, { respond: onDeploy.respond, log: logger });
    }
    let settings: CoverageSettings;
    try {
      settings = readCoverageEnvironment(process.env);
    } catch (err) {
      if (err instanceof CoverageConfigError) logger.error(err.message);
      throw err;
    }
    const request = toCoverageRequest(event);
    const deps = getDeps(settings);
    if (request.kind === 'report') return recordReport(deps, request.event);
    const summary = await checkCoverage(settings, deps, request.digest);
    recordCoverageMetrics(summary);
    if (summary.alert?.error) throw new Error(`coverage alert not published (${summary.alert.error}); the next run sends it again`);
    // The heartbeat: only a scheduled check that got this far counts, so a check schedule that stops is noticed.
    if (!request.digest) recordCheckCompleted();
    return summary;
  };
  return handle;
};

export const handler = createCoverageHandler();
