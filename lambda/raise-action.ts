/**
 * The Security Hub custom action "Raise Backtrack" (opt-in: the stack registers it, its rule and
 * rds:ModifyDBCluster only with `remediationAction=true`). A person chose it on findings; Security
 * Hub sends them in a "Security Hub Findings - Custom Action" event. For each finding (the
 * checker's own findings of this account only) the cluster is judged now, with the scan's
 * evaluation, and raised in place to its required minimum (ModifyDBCluster with ApplyImmediately),
 * never lowered (lambda/core/raise-window.ts decides). Each raised cluster is then re-checked the way
 * a CloudTrail event re-checks it (its own run, lease and alert), and one alert says what was raised,
 * what was not and why: a cluster without Backtrack gets the `migrate` command to run.
 */
import { describeError } from './aws/errors';
import { describeCluster } from './aws/rds';
import { modifyBacktrackWindow } from './aws/rds-modify';
import { buildAlert } from './core/alert';
import { evaluate } from './core/evaluate';
import {
  claimFinding,
  CUSTOM_ACTION_DETAIL_TYPE,
  planRaise,
  RAISE_ACTION,
  type ChosenFinding,
  type Claim,
  type RaiseOutcome,
  type RecheckResult,
} from './core/raise-window';
import { deliver } from './modes/common';
import { runCheck } from './run';
import type { CheckConfig, Deps, RunOptions, RunSummary } from './run-types';

/** The re-check's trigger, as its run and log name it. */
export const RAISE_TRIGGER = `SecurityHubCustomAction:${RAISE_ACTION.id}`;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The event of this checker's custom action: "Security Hub Findings - Custom Action" from
 * aws.securityhub, naming the action `action/custom/RaiseBacktrack` in its resources (another
 * custom action's event is not this one).
 */
export function isRaiseActionEvent(event: unknown): event is Json {
  if (!isObject(event) || event['detail-type'] !== CUSTOM_ACTION_DETAIL_TYPE || event.source !== 'aws.securityhub') return false;
  const resources = Array.isArray(event.resources) ? event.resources : [];
  return resources.some((r) => typeof r === 'string' && r.endsWith(`:action/custom/${RAISE_ACTION.id}`));
}

/** The findings of the event, read: what the checker looks at in each (detail.findings[], ASFF). */
export function chosenFindings(event: Json): ChosenFinding[] {
  const detail = isObject(event.detail) ? event.detail : {};
  const findings = Array.isArray(detail.findings) ? detail.findings.filter(isObject) : [];
  return findings.map((f) => {
    const resource = (Array.isArray(f.Resources) ? f.Resources.filter(isObject) : [])[0] ?? {};
    const details = isObject(resource.Details) && isObject(resource.Details.AwsRdsDbCluster) ? resource.Details.AwsRdsDbCluster : {};
    const clusterResourceId = text(details.DbClusterResourceId);
    const productName = text(f.ProductName);
    const recordState = text(f.RecordState);
    return {
      id: text(f.Id),
      productArn: text(f.ProductArn),
      generatorId: text(f.GeneratorId),
      awsAccountId: text(f.AwsAccountId),
      resourceType: text(resource.Type),
      resourceId: text(resource.Id),
      ...(clusterResourceId ? { clusterResourceId } : {}),
      ...(recordState ? { recordState } : {}),
      ...(productName ? { productName } : {}),
    };
  });
}

/** What the action did, as the handler returns it. */
export type RaiseActionSummary = {
  mode: 'raise-window';
  accountId: string;
  outcomes: RaiseOutcome[];
  /** The re-check of each raised cluster (each its own run, with its own alert when its verdict changed). */
  rechecks: Omit<RunSummary, 'evaluations'>[];
  alert?: RunSummary['alert'];
};

/** Judges one claimed cluster now and raises it when the plan says so. */
async function raiseOne(config: CheckConfig, deps: Deps, claim: Extract<Claim, { kind: 'cluster' }>): Promise<RaiseOutcome> {
  const { region, identifier } = claim.cluster;
  const rds = deps.clients(region).rds;
  let plan;
  try {
    const facts = await describeCluster(rds, region, identifier);
    plan = planRaise(claim, facts && evaluate(facts, config.policy, deps.now()));
  } catch (err) {
    return { kind: 'failed', cluster: claim.cluster, cause: describeError(err) };
  }
  if (plan.kind === 'refused') return { kind: 'refused', findingId: claim.findingId, cluster: plan.cluster, refusal: plan.refusal };
  try {
    await modifyBacktrackWindow(rds, plan.call);
  } catch (err) {
    return { kind: 'failed', cluster: plan.cluster, toSeconds: plan.call.BacktrackWindow, cause: describeError(err) };
  }
  deps.log.info('Backtrack window raised by the Security Hub action', { region, call: { ...plan.call } });
  return {
    kind: 'raised',
    cluster: plan.cluster,
    fromSeconds: plan.fromSeconds,
    toSeconds: plan.call.BacktrackWindow,
    policySource: plan.policySource,
    recheck: { kind: 'queued' },
  };
}

/** The re-check of a raised cluster, through the same run a CloudTrail event starts. */
async function recheckRaised(
  config: CheckConfig,
  deps: Deps,
  o: Extract<RaiseOutcome, { kind: 'raised' }>,
  options: RunOptions,
): Promise<{ result: RecheckResult; summary?: RunSummary }> {
  try {
    const request = { mode: 'recheck' as const, region: o.cluster.region, identifier: o.cluster.identifier, trigger: RAISE_TRIGGER };
    const summary = await runCheck({ ...config, keepEvaluations: true }, deps, request, options);
    if (summary.skipped) return { result: { kind: 'queued' }, summary };
    const failed = summary.degraded.find((d) => d.key.startsWith('recheck-failed'));
    if (failed) return { result: { kind: 'failed', message: failed.message }, summary };
    const judged = summary.evaluations?.[0];
    return {
      result: judged ? { kind: 'judged', status: judged.status } : { kind: 'failed', message: 'the cluster was not found' },
      summary,
    };
  } catch (err) {
    const { code, message } = describeError(err);
    return { result: { kind: 'failed', message: `${code}: ${message}` } };
  }
}

export async function raiseFromAction(config: CheckConfig, deps: Deps, event: Json, options: RunOptions = {}): Promise<RaiseActionSummary> {
  const account = await deps.account();
  const claims = chosenFindings(event).map((f) => claimFinding(f, account, config.regions));
  const outcomes: RaiseOutcome[] = [];
  const seen = new Set<string>();
  for (const claim of claims) {
    if (claim.kind === 'refused') {
      outcomes.push({
        kind: 'refused',
        findingId: claim.findingId,
        ...(claim.cluster ? { cluster: claim.cluster } : {}),
        refusal: claim.refusal,
      });
      continue;
    }
    // Two findings of one cluster (an old and a new one) are one raise.
    const key = `${claim.cluster.region}#${claim.cluster.identifier.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    outcomes.push(await raiseOne(config, deps, claim));
  }
  const rechecks: Omit<RunSummary, 'evaluations'>[] = [];
  for (const o of outcomes) {
    if (o.kind !== 'raised') continue;
    const { result, summary } = await recheckRaised(config, deps, o, options);
    o.recheck = result;
    if (summary) {
      const { evaluations: _omit, ...rest } = summary;
      rechecks.push(rest);
    }
  }
  const message = buildAlert({ account, now: deps.now(), events: [], degraded: [], recovered: [], raised: outcomes });
  const alert = await deliver(deps, config, message);
  return { mode: 'raise-window', accountId: account.accountId, outcomes, rechecks, ...(alert ? { alert } : {}) };
}
