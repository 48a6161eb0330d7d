/**
 * The tag audit: tags are a control plane (anyone who can tag a cluster can silence it), so an
 * exemption granted, an exemption's expiry or reason changed, and a per-cluster policy tag below the
 * account minimum are each named once in the alert.
 */
import { exemptionSpan } from './finding';
import type { ClusterState } from './state-types';
import type { Evaluation } from './types';

/**
 * A change to the tags that decide a cluster's verdict, named once (tags are a control plane: anyone
 * who can tag a cluster can silence it).
 */
export type TagChange =
  | { kind: 'exemption-granted' }
  | { kind: 'exemption-changed'; fromUntil?: string; fromReason?: string }
  | { kind: 'policy-lowered'; fromHours?: number };

/**
 * Changes to the exemption and policy tags since the last evaluation. A cluster without remembered
 * state is compared with nothing (its tags are all new) only when `firstSighting` says so: the
 * checker remembers other clusters, so this one is new; on the first run after a deploy (or with no
 * state at all) its tags are the baseline, and the reminder lists the exemptions in force.
 */
export function tagChanges(e: Evaluation, prev: ClusterState | undefined, firstSighting: boolean): TagChange[] {
  if (!prev && !firstSighting) return [];
  const changes: TagChange[] = [];
  const x = e.exemption;
  if (x.active && !prev?.suppressed) changes.push({ kind: 'exemption-granted' });
  else if (x.active && prev && (prev.exemptUntil !== x.until || prev.exemptReason !== x.reason)) {
    changes.push({
      kind: 'exemption-changed',
      ...(prev.exemptUntil !== undefined && { fromUntil: prev.exemptUntil }),
      ...(prev.exemptReason !== undefined && { fromReason: prev.exemptReason }),
    });
  }
  const p = e.policy;
  if (p.source === 'tag' && p.accountHours !== undefined && prev?.policyHours !== p.requiredHours) {
    changes.push({ kind: 'policy-lowered', ...(prev?.policyHours !== undefined && { fromHours: prev.policyHours }) });
  }
  return changes;
}

/** Puts back the tag-audit memory of `prev` (the alert naming the change did not go out). */
export function forgetTagChanges(s: ClusterState, prev: ClusterState | undefined): void {
  s.suppressed = prev?.suppressed ?? false;
  for (const k of ['exemptReason', 'exemptUntil', 'policyHours'] as const) {
    if (prev?.[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = prev[k];
    else delete s[k];
  }
}

/** What the tag audit says about one change, in plain words (user text made inert by `safe`). */
export function tagChangeText(e: Evaluation, t: TagChange, safe: (s: string) => string): string {
  const x = e.exemption;
  const reason = x.reason ? `"${safe(x.reason)}"` : 'no reason given';
  switch (t.kind) {
    case 'exemption-granted':
      return `exemption granted ${safe(exemptionSpan(x))}; reason: ${reason}`;
    case 'exemption-changed': {
      const parts = [];
      if (t.fromUntil !== x.until) parts.push(`expiry ${safe(t.fromUntil ?? 'none')} → ${safe(x.until ?? 'none')}`);
      if (t.fromReason !== x.reason) parts.push(`reason ${t.fromReason ? `"${safe(t.fromReason)}"` : 'none'} → ${reason}`);
      return `exemption changed: ${parts.join('; ')}${x.cappedAt ? ` (ends ${safe(x.cappedAt)}, capped)` : ''}`;
    }
    case 'policy-lowered':
      return (
        `policy tag lowers the required window to ${e.policy.requiredHours} h, below the account minimum of ${e.policy.accountHours ?? '?'} h` +
        (t.fromHours !== undefined ? ` (was ${t.fromHours} h)` : '')
      );
  }
}
