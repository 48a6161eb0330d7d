import { CONDITION_WORDS, clusterWhere, evaluationEntry, lostLead, maxSeverity, NEXT_STEP_CHARS, shortFix } from './alert-entry';
import { clusterConsoleUrl, securityHubFindingsUrl } from './links';
import { CUT_OVER_PROCEDURE } from './remediation';
import { reassertedSentence, reassertedSeverity, type ReassertedWorkflow } from './reasserted';
import { raiseEntry, type RaiseOutcome } from './raise-window';
import { degradationSentence, recoveredSentence, type Degradation } from './degradation';
import type { ReminderItem } from './reminder';
import type { ClusterState } from './state-types';
import { clipLine, plainText, slackLink, slackText } from './text';
import { tagChangeText } from './tag-audit';
import type { ClusterEvent } from './transitions';
import type { AccountContext, Evaluation, SeverityLabel } from './types';
import { retiredLeftActive, retiredSentence, type RetiredRegion } from './unwatched';
import { youngAdvice, youngLead, youngStep, type YoungCluster } from './young-cluster';

/** One SNS message: Chatbot card as `default`, plain text as `email`, attributes for filtering. */
export interface AlertMessage {
  subject: string;
  default: string;
  email: string;
  attributes: { severity: SeverityLabel; event: string[]; accountId: string };
}

export type { Degradation } from './degradation';
export type { ReminderItem } from './reminder';

export interface AlertInput {
  account: AccountContext;
  now: Date;
  events: ClusterEvent[];
  /** Degradations not alerted before. */
  degraded: Degradation[];
  /** Keys of degradations alerted before that are gone now. */
  recovered: string[];
  /** Regions no longer watched whose remembered clusters this scan retired. */
  unwatched?: RetiredRegion[];
  /** Failing clusters whose finding was hidden outside the checker and whose workflow it set back. */
  reasserted?: ReassertedWorkflow[];
  /** What the Security Hub action "Raise Backtrack" did with each finding a person chose (core/raise-window.ts). */
  raised?: RaiseOutcome[];
  /**
   * The account's first scan (no run remembered): the message is a baseline that counts the
   * clusters checked and names every failing or warning one, rather than calling them new.
   */
  baseline?: { clustersChecked: number };
}

/** SNS allows 256 KB for the whole message; stay well below with room for attributes. */
export const MAX_MESSAGE_BYTES = 240_000;
const SLACK_DESCRIPTION_MAX = 3_500;
/** Slack next steps: at most this many (each at most NEXT_STEP_CHARS long, alert-entry.ts). */
const NEXT_STEPS_MAX = 5;
interface Section {
  heading: string;
  event: string;
  /** Short lines for Slack. */
  short: string[];
  /** Full entries for e-mail. */
  long: string[];
  /** Short fixes for Slack's next steps, whole or not at all. */
  fixes: string[];
  /** Regions named, for the links to their Security Hub findings. */
  regions: Set<string>;
  severity: SeverityLabel;
  /** How the subject counts this section, [one, many]. */
  countWords: [string, string];
  /** WARNING clusters among the new failures: the subject counts them apart ("1 new warning"). */
  warnings?: number;
  /** How the subject counts those warnings, [one, many]; default "new warning(s)". */
  warningWords?: [string, string];
}

/** How the subject counts each section: [one, many]. */
const COUNT_WORDS = {
  'new-failure': ['new failure', 'new failures'],
  changed: ['changed', 'changed'],
  'exemption-expired': ['exemption expired', 'exemptions expired'],
  'tag-change': ['tag change', 'tag changes'],
  degraded: ['checker problem', 'checker problems'],
  fixed: ['fixed', 'fixed'],
  deleted: ['deleted', 'deleted'],
  recovered: ['recovered', 'recovered'],
  'region-unwatched': ['Region no longer watched', 'Regions no longer watched'],
  'workflow-reasserted': ['hidden finding set back', 'hidden findings set back'],
  'window-raised': ['window raised', 'windows raised'],
  'raise-refused': ['not raised', 'not raised'],
} satisfies Record<string, [string, string]>;

/** Every `event` attribute value a checker alert can carry (the change sections, and the reminder). */
export const ALERT_EVENTS = [...(Object.keys(COUNT_WORDS) as (keyof typeof COUNT_WORDS)[]), 'reminder'] as const;

function sections(input: AlertInput): Section[] {
  const { account } = input;
  const make = (heading: string, event: keyof typeof COUNT_WORDS): Section => ({
    heading,
    event,
    short: [],
    long: [],
    fixes: [],
    regions: new Set(),
    severity: 'INFORMATIONAL',
    countWords: COUNT_WORDS[event],
    warnings: 0,
  });
  const failures = make('New failures', 'new-failure');
  const changed = make('Changed', 'changed');
  const expired = make('Exemptions expired', 'exemption-expired');
  const fixed = make('Fixed', 'fixed');
  const deleted = make('Resolved: cluster deleted', 'deleted');
  const tags = make('Tag changes', 'tag-change');
  const degraded = make('Checker degraded', 'degraded');
  const recovered = make('Checker recovered', 'recovered');
  const unwatched = make('Regions no longer watched', 'region-unwatched');
  const reasserted = make('Hidden outside the checker, set back', 'workflow-reasserted');
  const raised = make('Raised by the Security Hub action', 'window-raised');
  const notRaised = make('Not raised by the Security Hub action', 'raise-refused');
  const consoleOf = (c: { region: string; identifier: string }) =>
    slackLink(clusterConsoleUrl(account.partition, c.region, c.identifier), 'console');
  const add = (s: Section, e: Evaluation, bare: string, young?: YoungCluster) => {
    const lead = young ? `${bare}; ${youngLead(young)}` : bare;
    const shortLead = young ? `${bare}; ${youngLead(young, true)}` : bare;
    s.short.push(`• *${e.cluster.identifier}* (${e.cluster.region}): ${slackText(shortLead)} — ${consoleOf(e.cluster)}`);
    s.long.push(evaluationEntry(e, account, plainText(lead), young && youngAdvice(e)));
    const fix = (young && youngStep(e, NEXT_STEP_CHARS)) ?? shortFix(e);
    if (fix) s.fixes.push(fix);
    s.regions.add(e.cluster.region);
    s.severity = maxSeverity([s.severity, e.severity]);
    if (s.event === 'new-failure' && e.status === 'WARNING') s.warnings = (s.warnings ?? 0) + 1;
  };
  for (const ev of input.events) {
    if (ev.kind !== 'deleted' && ev.tagChanges?.length) {
      const e = ev.evaluation;
      tags.short.push(
        `• *${e.cluster.identifier}* (${e.cluster.region}): ${ev.tagChanges.map((t) => tagChangeText(e, t, slackText)).join('; ')} — ${consoleOf(e.cluster)}`,
      );
      tags.long.push(
        [
          `- ${clusterWhere(e)}: ${ev.tagChanges.map((t) => tagChangeText(e, t, plainText)).join('; ')}`,
          `  Verdict: ${e.status} (${CONDITION_WORDS[e.condition]})`,
          `  Console: ${clusterConsoleUrl(account.partition, e.cluster.region, e.cluster.identifier)}`,
        ].join('\n'),
      );
      tags.regions.add(e.cluster.region);
      tags.severity = maxSeverity([tags.severity, 'LOW']);
    }
    switch (ev.kind) {
      case 'new-failure':
        add(
          failures,
          ev.evaluation,
          `${ev.lost ? lostLead(ev.lost) : CONDITION_WORDS[ev.evaluation.condition]}${ev.regression ? ' (was passing)' : ''}`,
          ev.young,
        );
        break;
      case 'changed':
        add(
          changed,
          ev.evaluation,
          `${CONDITION_WORDS[ev.from]} → ${ev.lost ? lostLead(ev.lost) : CONDITION_WORDS[ev.evaluation.condition]}`,
          ev.young,
        );
        break;
      case 'exemption-expired':
        add(
          expired,
          ev.evaluation,
          `exemption expired (${ev.evaluation.exemption.until ?? '?'}), now ${ev.evaluation.status}: ${CONDITION_WORDS[ev.evaluation.condition]}`,
        );
        expired.severity = maxSeverity([expired.severity, 'LOW']);
        break;
      case 'fixed':
        fixed.short.push(
          `• *${ev.evaluation.cluster.identifier}* (${ev.evaluation.cluster.region}): was ${CONDITION_WORDS[ev.from]}, now ${ev.evaluation.status} — ${consoleOf(ev.evaluation.cluster)}`,
        );
        fixed.regions.add(ev.evaluation.cluster.region);
        fixed.long.push(
          `- ${clusterWhere(ev.evaluation)}: was ${CONDITION_WORDS[ev.from]}, now ${ev.evaluation.status}\n  ${plainText(ev.evaluation.reason)}`,
        );
        break;
      case 'deleted':
        deleted.short.push(`• *${ev.state.identifier}* (${ev.state.region}): deleted (was ${CONDITION_WORDS[ev.state.condition]})`);
        deleted.regions.add(ev.state.region);
        deleted.long.push(
          `- ${ev.state.identifier} (${ev.state.region}): the cluster no longer exists (was ${CONDITION_WORDS[ev.state.condition]}); its finding is archived.`,
        );
        break;
    }
  }
  for (const d of input.degraded) {
    const sentence = degradationSentence(d);
    degraded.short.push(`• ${slackText(sentence)}`);
    degraded.long.push(`- ${plainText(sentence)}`);
    degraded.severity = 'HIGH';
  }
  for (const key of input.recovered) {
    const what = recoveredSentence(key);
    recovered.short.push(`• ${what}`);
    recovered.long.push(`- ${what}`);
  }
  for (const r of input.unwatched ?? []) {
    const sentence = retiredSentence(r);
    unwatched.short.push(`• ${slackText(sentence)}`);
    unwatched.long.push(`- ${plainText(sentence)}`);
    unwatched.regions.add(r.region);
    // Findings left ACTIVE need a person; a Region cleanly retired is news, not a problem.
    if (retiredLeftActive(r)) unwatched.severity = maxSeverity([unwatched.severity, 'LOW']);
  }
  for (const r of input.reasserted ?? []) {
    const what = reassertedSentence(r);
    reasserted.short.push(`• *${slackText(r.identifier)}* (${r.region}): ${what} — ${consoleOf(r)}`);
    reasserted.long.push(`- ${plainText(r.identifier)} (${r.region}): ${what}`);
    reasserted.regions.add(r.region);
    reasserted.severity = maxSeverity([reasserted.severity, reassertedSeverity(r)]);
  }
  for (const r of (input.raised ?? []).map(raiseEntry)) {
    const s = r.raised ? raised : notRaised;
    s.short.push(`• ${r.cluster ? `*${slackText(r.cluster.identifier)}* (${r.cluster.region})` : slackText(r.who)}: ${slackText(r.text)}`);
    s.long.push(`- ${plainText(r.who)}: ${plainText(r.text)}`);
    if (r.fix) s.fixes.push(slackText(r.fix));
    if (r.cluster) s.regions.add(r.cluster.region);
    s.severity = maxSeverity([s.severity, r.severity]);
  }
  return [raised, notRaised, failures, changed, expired, reasserted, tags, degraded, fixed, deleted, unwatched, recovered].filter(
    (s) => s.long.length > 0,
  );
}

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
