/**
 * One cluster in an alert: the words for its condition, where it is, its e-mail entry and the fix
 * Slack shows as a next step; and the highest of several severities. Pure: no SDK, no I/O.
 */
import { clusterConsoleUrl } from './links';
import { RESTORED_SUFFIX } from './remediation';
import { plainText } from './text';
import type { BacktrackLoss } from './transitions';
import type { AccountContext, Actor, Condition, Evaluation, SeverityLabel } from './types';

/** A Slack next step is at most this long (a step never ends mid-command). */
export const NEXT_STEP_CHARS = 280;
const SEVERITY_ORDER: SeverityLabel[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
export const CONDITION_WORDS: Record<Condition, string> = {
  disabled: 'Backtrack disabled',
  'below-policy': 'window below policy',
  'actual-short': 'actual window short',
  ok: 'meets policy',
  unsupported: 'Backtrack not available',
  unknown: 'not known before deployment',
  'region-undocumented': 'Backtrack off, Region undocumented',
};

/** Who set a window to 0, as messages name them (text from CloudTrail: callers make it inert). */
export function actorText(a: Actor): string {
  switch (a.kind) {
    case 'arn':
      return a.arn;
    case 'principal':
      return `${a.type} ${a.principalId}`;
    case 'service':
      return `AWS service ${a.service}`;
    case 'unknown':
      return 'unknown (see CloudTrail ModifyDBCluster)';
  }
}

/** The lead of an alert entry for a cluster that lost Backtrack: irreversible, and who did it. */
export const lostLead = (lost: BacktrackLoss) =>
  `Backtrack turned off, irreversible: a window set to 0 can never be raised again on this cluster; who: ${actorText(lost.by)}`;

export const maxSeverity = (labels: SeverityLabel[]): SeverityLabel =>
  labels.reduce<SeverityLabel>((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), 'INFORMATIONAL');

export function clusterWhere(e: Evaluation) {
  return `${e.cluster.identifier} (${e.cluster.region})`;
}

/**
 * The fix as Slack shows it: the command beside the checker's migrate command when both fit in a
 * step, else the command alone, else where the whole command is.
 */
export function shortFix(e: Evaluation): string | undefined {
  if (!e.remediation) return undefined;
  const who = `${e.cluster.identifier} (${e.cluster.region})`;
  const fix = e.fixCommand ?? e.remediation;
  // A restore followed by commands on the new cluster is never shown without them.
  const whole = e.followUpCommands?.length
    ? []
    : [...(e.migrateCommand ? [`${who}: ${fix} (or: ${e.migrateCommand})`] : []), `${who}: ${fix}`];
  const candidates = [
    ...whole,
    ...(e.condition === 'disabled' && e.migrateCommand
      ? [
          `${who}: restore into a new cluster with a window — plan it with ${e.migrateCommand}; the full command is in the e-mail and in the finding`,
        ]
      : []),
  ];
  const fitting = candidates.find((c) => c.length <= NEXT_STEP_CHARS);
  if (fitting) return fitting;
  if (e.condition === 'disabled')
    return `${who}: restore into a new cluster with a window — the full command is in the e-mail and in the finding`;
  return e.fixCommand
    ? `${who}: the full command is in the e-mail and in the finding`
    : `${who}: what to do is in the e-mail and in the finding`;
}

/** `advice`: a line stated before the fix (a cluster created minutes ago: re-create it now). */
export function evaluationEntry(e: Evaluation, account: AccountContext, lead: string, advice?: string): string {
  const lines = [`- ${clusterWhere(e)}: ${lead}`, `  ${plainText(e.reason)}`];
  if (advice) lines.push(`  ${advice}`);
  // A disabled cluster's long cut-over procedure is stated once per message; here only its command.
  if (e.remediation) lines.push(`  Fix: ${e.condition === 'disabled' && e.fixCommand ? e.fixCommand : e.remediation}`);
  if (e.condition === 'disabled' && e.followUpCommands?.length) {
    lines.push(`  Then, once ${e.cluster.identifier}${RESTORED_SUFFIX} is available:`, ...e.followUpCommands.map((c) => `    ${c}`));
  }
  if (e.condition === 'disabled' && e.migrateCommand) lines.push(`  Or plan it with: ${e.migrateCommand}`);
  if (e.exemption.expired)
    lines.push(
      `  Exemption expired ${e.exemption.cappedAt ?? e.exemption.until ?? ''}; reason was: ${plainText(e.exemption.reason ?? 'none given')}`,
    );
  if (e.tagProblems.length) lines.push(`  Tag problems: ${plainText(e.tagProblems.join('; '))}`);
  lines.push(`  Console: ${clusterConsoleUrl(account.partition, e.cluster.region, e.cluster.identifier)}`);
  return lines.join('\n');
}
