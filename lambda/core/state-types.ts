import type { ReassertedWorkflow } from './reasserted';
import type { Actor, ComplianceStatus, Condition } from './types';

/**
 * What the checker remembers about one cluster between runs (one state-table item). It is what
 * makes alerts fire on change only, and what lets a deleted cluster's finding be archived.
 */
export interface ClusterState {
  /** `cluster#<accountId>#<region>#<DbClusterResourceId>` */
  pk: string;
  accountId: string;
  region: string;
  resourceId: string;
  identifier: string;
  arn: string;
  /** Last evaluated verdict and condition. */
  status: ComplianceStatus;
  condition: Condition;
  /** Target window (seconds) at the last evaluation, and when it was first seen at that value. */
  windowSeconds?: number;
  windowSetAt?: string;
  /** When the window was seen dropping from > 0 to 0 (ISO), and who did it when a CloudTrail call said so. */
  backtrackLostAt?: string;
  backtrackLostBy?: Actor;
  /** ISO time the current condition was first seen. */
  since: string;
  /**
   * An exemption was active at the last evaluation. With exemptReason, exemptUntil and policyHours
   * it is also what the tag audit compares with: kept at its old value when the alert naming a
   * change could not be sent, so the next run names it again.
   */
  suppressed: boolean;
  exemptReason?: string;
  /** The expiry as the tag gave it. */
  exemptUntil?: string;
  /** When the exemption ends because of maxExemptionDays (earlier than the tag's expiry, or none given). */
  exemptCappedAt?: string;
  /** When the exemption tag was first seen saying `true` (the cap counts from it); kept while it says so. */
  exemptSince?: string;
  /** The per-cluster minimum (hours) from the policy tag at the last evaluation, when valid. */
  policyHours?: number;
  /**
   * The failing condition people were last told about ('none' once they were told it is fixed, or
   * when nothing was ever wrong). Updated only after the alert was published, so an alert that could
   * not be sent is sent again by the next run.
   */
  alerted: Condition | 'none';
  /** The expiry of this exemption has been alerted (so it is said once). */
  expiryAlerted?: boolean;
  /** Workflow status the checker last set in Security Hub ('SUPPRESSED' while exempt). */
  workflow?: 'SUPPRESSED' | 'NEW';
  /** Note text last written with the workflow (exemption reason/expiry). */
  workflowNote?: string;
}

/** Run-level memory: what degradation was last reported, when the last reminder went out. */
export interface RunMeta {
  /** `meta#<accountId>` */
  pk: string;
  accountId: string;
  /** Degradation keys already alerted, e.g. `region-not-scanned#eu-west-3`. */
  degraded: string[];
  lastReminderAt?: string;
  /** The policy of the last scan that wrote this table, in words (see policySignature). */
  policy?: string;
  /**
   * Findings a scan set back whose alert SNS did not take: Security Hub no longer shows them hidden,
   * so only this tells the next scan to name them.
   */
  reassertedUnsent?: ReassertedWorkflow[];
}

/** The parts of a policy that change verdicts, in words: two runs that differ here judge differently. */
export function policySignature(p: {
  minWindowHours: number;
  tagPrefix: string;
  exemptTagKey: string;
  maxExemptionDays?: number;
  backtrackRegions?: readonly string[];
}): string {
  return [
    `minimum ${p.minWindowHours} h`,
    `tag prefix "${p.tagPrefix}"`,
    `exemption tag "${p.exemptTagKey}"`,
    ...(p.maxExemptionDays !== undefined ? [`exemptions at most ${p.maxExemptionDays} days`] : []),
    ...(p.backtrackRegions?.length ? [`Backtrack also in ${[...p.backtrackRegions].sort().join(',')}`] : []),
  ].join(', ');
}

export const clusterKey = (accountId: string, region: string, resourceId: string) => `cluster#${accountId}#${region}#${resourceId}`;
export const metaKey = (accountId: string) => `meta#${accountId}`;
