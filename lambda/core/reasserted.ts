/**
 * Failing clusters whose finding someone else (a hand edit, another tool) set to SUPPRESSED or
 * RESOLVED, and that the checker set back to the workflow it remembers: what the alert says.
 */
import type { SeverityLabel } from './types';

/** One finding whose workflow the checker re-asserted, and Security Hub accepted. */
export interface ReassertedWorkflow {
  region: string;
  /** The cluster's identifier, as the checker last saw it (user text: escaped where shown). */
  identifier: string;
  /** The workflow found in Security Hub. */
  found: 'SUPPRESSED' | 'RESOLVED';
  /** The workflow the checker remembers and set back. */
  setTo: 'NEW' | 'SUPPRESSED';
}

/** What happened to the cluster's finding, after "<identifier> (<region>): ". */
export const reassertedSentence = (r: ReassertedWorkflow): string =>
  `its finding was ${r.found} outside the checker; set back to ${r.setTo}`;

/**
 * MEDIUM when a failing cluster without an exemption was being hidden (someone should ask who and
 * why); LOW when an exempt cluster's finding was resolved by hand and only goes back to SUPPRESSED.
 */
export const reassertedSeverity = (r: ReassertedWorkflow): SeverityLabel => (r.setTo === 'NEW' ? 'MEDIUM' : 'LOW');

/** Lines kept for the next scan when the alert was not sent (the run's state item stays far below DynamoDB's 400 KB). */
export const MAX_UNSENT_REASSERTED = 1_000;

/**
 * The lines a scan's alert carries: those an earlier scan could not send, then this scan's; a
 * cluster set back again is named once, with what this scan found.
 */
export function withUnsent(unsent: readonly ReassertedWorkflow[], now: readonly ReassertedWorkflow[]): ReassertedWorkflow[] {
  const key = (r: ReassertedWorkflow) => `${r.region}\n${r.identifier}`;
  const byCluster = new Map(unsent.map((r) => [key(r), r]));
  for (const r of now) byCluster.set(key(r), r);
  return [...byCluster.values()];
}
