import { CONDITION_WORDS, maxSeverity } from './alert-entry';
import { clusterConsoleUrl, securityHubFindingsUrl } from './links';
import { CUT_OVER_PROCEDURE } from './remediation';
import type { ReminderItem } from './reminder';
import type { ClusterState } from './state-types';
import { clipLine, plainText, slackLink, slackText } from './text';
import type { AccountContext, SeverityLabel } from './types';

/** One SNS message: Chatbot card as `default`, plain text as `email`, attributes for filtering. */
export interface AlertMessage {
  subject: string;
  default: string;
  email: string;
  attributes: { severity: SeverityLabel; event: string[]; accountId: string };
}

export type { Degradation } from './degradation';
export { ALERT_EVENTS, type AlertInput } from './alert-sections';
import { sections, type AlertInput, type Section } from './alert-sections';
export type { ReminderItem } from './reminder';

/** SNS allows 256 KB for the whole message; stay well below with room for attributes. */
export const MAX_MESSAGE_BYTES = 240_000;
const SLACK_DESCRIPTION_MAX = 3_500;
/** Slack next steps: at most this many (each at most NEXT_STEP_CHARS long, alert-entry.ts). */
const NEXT_STEPS_MAX = 5;

function countsPhrase(secs: Section[]): string {
  return secs
    .flatMap((s) => {
      const w = s.warnings ?? 0;
      const n = s.long.length - w;
      const [one, many] = s.countWords;
      const [oneWarning, manyWarnings] = s.warningWords ?? ['new warning', 'new warnings'];
      const warnings = w ? [`${w} ${w === 1 ? oneWarning : manyWarnings}`] : [];
      return [...(n > 0 || !w ? [`${n} ${n === 1 ? one : many}`] : []), ...warnings];
    })
    .join(', ');
}

function limited(lines: string[], max: number, unit: string): string[] {
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `… and ${lines.length - max} more ${unit}`];
}

/**
 * The card's text: each section's lines while they fit, then "… and N more" for the rest of that
 * section (whole lines only, so no link or mention is ever cut), then the findings links.
 */
function slackDescription(secs: Section[], perSection: number, tail: string): string {
  // Room kept for each section's header and its "… and N more" line.
  const budget = SLACK_DESCRIPTION_MAX - tail.length - 2 - secs.length * 80;
  const out: string[] = [];
  let used = 0;
  for (const s of secs) {
    if (out.length) out.push('');
    out.push(`*${s.heading} (${s.short.length})*`);
    let shown = 0;
    for (const line of s.short) {
      if (shown >= perSection || used + line.length + 1 > budget) break;
      out.push(line);
      used += line.length + 1;
      shown += 1;
    }
    if (shown < s.short.length) out.push(`… and ${s.short.length - shown} more`);
  }
  return tail ? `${out.join('\n')}\n\n${tail}` : out.join('\n');
}

/** What tells a change alert and a reminder apart: the subject's lead and why the message came. */
interface Kind {
  subjectLead: string;
  why: string;
  /** Counted before the sections in the subject and the card's title (the baseline's clusters checked). */
  leadCount?: string;
}

const CHANGE_ALERT: Kind = {
  subjectLead: 'Aurora Backtrack',
  why: 'You receive this message because something changed; nothing is re-sent while it stays the same.',
};

const baselineKind = (clustersChecked: number): Kind => ({
  subjectLead: 'Aurora Backtrack baseline',
  why: 'This is the first scan of this account: every failing or warning cluster is named. From now on a message comes only when something changes.',
  leadCount: `${clustersChecked} ${clustersChecked === 1 ? 'cluster' : 'clusters'} checked`,
});

const reminderKind = (afterDays: number): Kind => ({
  subjectLead: 'Aurora Backtrack reminder',
  why: `This is the periodic reminder: clusters failing for more than ${afterDays} days and every exemption.`,
});

function render(account: AccountContext, now: Date, kind: Kind, secs: Section[], perSection: number): AlertMessage {
  const when = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const severity = maxSeverity(secs.map((s) => s.severity));
  const counts = [kind.leadCount, countsPhrase(secs)].filter(Boolean).join(', ');
  const subject = clipLine(`${kind.subjectLead}: ${counts} (account ${account.accountId})`, 99);
  // A reminder's entries carry no fix, so this holds only for a change alert.
  const restores = secs.some((s) => s.long.some((l) => l.includes('  Fix: aws rds restore-db-cluster-to-point-in-time')));
  const email = [
    `Aurora Backtrack Checker — account ${account.accountId} (${account.partition}), ${when}`,
    '',
    ...(restores ? ['How to turn Backtrack on where it is disabled:', CUT_OVER_PROCEDURE, ''] : []),
    ...secs.flatMap((s) => [
      `${s.heading.toUpperCase()} (${s.long.length})`,
      ...limited(s.long, perSection, 'clusters — see Security Hub'),
      '',
    ]),
    'Every cluster has a finding in Security Hub in its own Region (product "Aurora Backtrack Checker").',
    kind.why,
  ].join('\n');
  const regions = [...new Set(secs.flatMap((s) => [...s.regions]))].sort();
  const findingsLine = regions.length
    ? `Findings in Security Hub: ${regions.map((r) => slackLink(securityHubFindingsUrl(account.partition, r), r)).join(', ')}`
    : '';
  const description = slackDescription(secs, Math.min(perSection, 15), findingsLine);
  const fixes = secs.flatMap((s) => s.fixes);
  const nextSteps =
    fixes.length > NEXT_STEPS_MAX
      ? [...fixes.slice(0, NEXT_STEPS_MAX - 1), `… and ${fixes.length - (NEXT_STEPS_MAX - 1)} more: see the e-mail or Security Hub`]
      : fixes;
  const card = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clipLine(
        `:rotating_light: ${kind.leadCount ? kind.subjectLead : 'Aurora Backtrack'}: ${counts} (account ${account.accountId})`,
        250,
      ),
      description,
      ...(nextSteps.length ? { nextSteps } : {}),
    },
    metadata: { enableCustomActions: false, additionalContext: { accountId: account.accountId, checkedAt: when } },
  };
  return {
    subject,
    default: JSON.stringify(card),
    email,
    attributes: {
      severity,
      event: [...new Set([...(kind.leadCount ? ['baseline'] : []), ...secs.map((s) => s.event)])],
      accountId: account.accountId,
    },
  };
}

/** Size of the SNS message as published (JSON of the per-protocol bodies). */
export const messageBytes = (m: AlertMessage) =>
  Buffer.byteLength(JSON.stringify({ default: m.default, email: m.email }), 'utf8') + Buffer.byteLength(m.subject, 'utf8');

function fit(build: (perSection: number) => AlertMessage): AlertMessage {
  let perSection = 200;
  let message = build(perSection);
  while (messageBytes(message) > MAX_MESSAGE_BYTES && perSection > 1) {
    perSection = Math.max(1, Math.floor(perSection / 2));
    message = build(perSection);
  }
  return message;
}

/** The run's alert, or undefined when nothing changed (no message at all). */
export function buildAlert(input: AlertInput): AlertMessage | undefined {
  const secs = sections(input);
  if (secs.length === 0) return undefined;
  if (!input.baseline) return fit((n) => render(input.account, input.now, CHANGE_ALERT, secs, n));
  // In a baseline every failing cluster is the state found, not a change: "M failing", even M = 0.
  const failing = secs.find((s) => s.event === 'new-failure');
  const baselineSecs = secs.map((s) =>
    s === failing
      ? {
          ...s,
          heading: 'Failing',
          countWords: ['failing', 'failing'] as [string, string],
          warningWords: ['warning', 'warnings'] as [string, string],
        }
      : s,
  );
  const kind = baselineKind(input.baseline.clustersChecked);
  const lead = failing ? kind : { ...kind, leadCount: `${kind.leadCount ?? ''}, 0 failing` };
  return fit((n) => render(input.account, input.now, lead, baselineSecs, n));
}

/** The periodic digest: what stays broken past the reminder age, and the exemptions in force. */
export function buildReminder(
  account: AccountContext,
  now: Date,
  stale: ReminderItem[],
  exemptions: ClusterState[],
  afterDays: number,
): AlertMessage | undefined {
  if (stale.length === 0 && exemptions.length === 0) return undefined;
  const broken: Section = {
    heading: `Still failing after ${afterDays} days`,
    event: 'reminder',
    short: [],
    long: [],
    fixes: [],
    regions: new Set(),
    severity: 'INFORMATIONAL',
    countWords: ['still failing', 'still failing'],
  };
  for (const { state, days } of [...stale].sort((a, b) => b.days - a.days)) {
    const line = `${state.identifier} (${state.region}): ${CONDITION_WORDS[state.condition]} for ${days} days (${state.status})`;
    broken.short.push(`• *${state.identifier}* (${state.region}): ${CONDITION_WORDS[state.condition]} for ${days} days`);
    broken.long.push(`- ${line}\n  Console: ${clusterConsoleUrl(account.partition, state.region, state.identifier)}`);
    broken.severity = maxSeverity([broken.severity, state.condition === 'disabled' ? 'MEDIUM' : 'LOW']);
  }
  const exempt: Section = {
    heading: 'Exemptions in force',
    event: 'reminder',
    short: [],
    long: [],
    fixes: [],
    regions: new Set(),
    severity: 'INFORMATIONAL',
    countWords: ['exemption', 'exemptions'],
  };
  for (const s of exemptions) {
    const given = s.exemptUntil ? `until ${s.exemptUntil}` : 'NO EXPIRY — set an exempt-until date';
    const expiry = s.exemptCappedAt ? `${given} (capped: ends ${s.exemptCappedAt})` : given;
    exempt.short.push(`• *${s.identifier}* (${s.region}): ${slackText(expiry)}; ${slackText(s.exemptReason ?? 'no reason given')}`);
    exempt.long.push(
      `- ${s.identifier} (${s.region}): exempt ${plainText(expiry)}; reason: ${plainText(s.exemptReason ?? 'no reason given')}`,
    );
  }
  const secs = [broken, exempt].filter((s) => s.long.length > 0);
  return fit((n) => render(account, now, reminderKind(afterDays), secs, n));
}
