/**
 * The sections of a change alert: what each kind of change says about each cluster, for e-mail
 * and Slack, with its Regions, severity and how the subject counts it. Pure: no SDK, no I/O.
 */
import { CONDITION_WORDS, clusterWhere, evaluationEntry, lostLead, maxSeverity, NEXT_STEP_CHARS, shortFix } from './alert-entry';
import { clusterConsoleUrl } from './links';
import { reassertedSentence, reassertedSeverity, type ReassertedWorkflow } from './reasserted';
import { raiseEntry, type RaiseOutcome } from './raise-window';
import { degradationSentence, recoveredSentence, type Degradation } from './degradation';
import { plainText, slackLink, slackText } from './text';
import { tagChangeText } from './tag-audit';
import type { ClusterEvent } from './transitions';
import type { AccountContext, Evaluation, SeverityLabel } from './types';
import { retiredLeftActive, retiredSentence, type RetiredRegion } from './unwatched';
import { youngAdvice, youngLead, youngStep, type YoungCluster } from './young-cluster';

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

export interface Section {
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

export function sections(input: AlertInput): Section[] {
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
