/**
 * One cluster in an alert: the words for its condition, where it is, its e-mail entry and the fix
 * Slack shows as a next step; and the highest of several severities. Pure: no SDK, no I/O.
 */
import { clusterConsoleUrl } from './links';
import { plainText } from './text';
import type { AccountContext, Condition, Evaluation, SeverityLabel } from './types';

/** A Slack next step is at most this long (a step never ends mid-command). */
const NEXT_STEP_CHARS = 280;
const SEVERITY_ORDER: SeverityLabel[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
export const CONDITION_WORDS: Record<Condition, string> = {
  disabled: 'Backtrack disabled',
  'below-policy': 'window below policy',
  'actual-short': 'actual window short',
  ok: 'meets policy',
  unsupported: 'Backtrack not available',
  unknown: 'not known before deployment',
};

export const maxSeverity = (labels: SeverityLabel[]): SeverityLabel =>
  labels.reduce<SeverityLabel>((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), 'INFORMATIONAL');

export function clusterWhere(e: Evaluation) {
  return `${e.cluster.identifier} (${e.cluster.region})`;
}

/** The fix as Slack shows it: the command when it fits in a step, else where the whole command is. */
export function shortFix(e: Evaluation): string | undefined {
  if (!e.remediation) return undefined;
  const who = `${e.cluster.identifier} (${e.cluster.region})`;
  const whole = `${who}: ${e.fixCommand ?? e.remediation}`;
  if (whole.length <= NEXT_STEP_CHARS) return whole;
  return e.condition === 'disabled'
    ? `${who}: restore into a new cluster with a window — the full command is in the e-mail and in the finding`
    : `${who}: the full command is in the e-mail and in the finding`;
}

export function evaluationEntry(e: Evaluation, account: AccountContext, lead: string): string {
  const lines = [`- ${clusterWhere(e)}: ${lead}`, `  ${plainText(e.reason)}`];
  // A disabled cluster's long cut-over procedure is stated once per message; here only its command.
  if (e.remediation) lines.push(`  Fix: ${e.condition === 'disabled' && e.fixCommand ? e.fixCommand : e.remediation}`);
  if (e.exemption.expired)
    lines.push(
      `  Exemption expired ${e.exemption.cappedAt ?? e.exemption.until ?? ''}; reason was: ${plainText(e.exemption.reason ?? 'none given')}`,
    );
  if (e.tagProblems.length) lines.push(`  Tag problems: ${plainText(e.tagProblems.join('; '))}`);
  lines.push(`  Console: ${clusterConsoleUrl(account.partition, e.cluster.region, e.cluster.identifier)}`);
  return lines.join('\n');
}
