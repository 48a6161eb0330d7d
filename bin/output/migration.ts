/**
 * `migrate`'s output: the plan as a table for people and as a JSON document for programs
 * (docs/json-output.md, "migrate"). Both read the same plan and the same run record.
 */
import { refusalText } from '../../lambda/core/migration-plan';
import type { MigrationPlan, PlanStep, Refusal } from '../../lambda/core/migration-types';
import { formatDuration } from '../../lambda/core/text';
import type { ComplianceStatus } from '../../lambda/core/types';
import { JSON_SCHEMA_VERSION } from './report';
import { TOOL } from './version';

/** What happened to one step in this run. */
export type StepStatus = 'done' | 'todo' | 'applied' | 'failed' | 'not-run';

/**
 * - `planned`: without --apply, nothing written;
 * - `done`: every step made and the target passes;
 * - `not-passing`: every step made, but the target does not pass (exit 1);
 * - `failed`: a step failed; the plan shows which (exit 3, safe to re-run);
 * - `refused`: no plan (exit 2).
 */
export type MigrationOutcome = 'planned' | 'done' | 'not-passing' | 'failed' | 'refused';

export interface MigrationReport {
  outcome: MigrationOutcome;
  apply: boolean;
  region: string;
  source: string;
  plan?: MigrationPlan;
  /** Per step of the plan, what happened in this run. */
  statuses?: StepStatus[];
  failure?: { step: number; code: string; message: string };
  refusal?: Refusal;
  verdict?: { cluster: string; status: ComplianceStatus; reason: string };
  endpoints?: { writer?: string; reader?: string; port?: number };
  cutOver?: string[];
}

/** A step's status before anything runs: done (exists) or to do. */
export const plannedStatuses = (plan: MigrationPlan): StepStatus[] => plan.steps.map((s) => s.state);

function paramText(value: unknown): string {
  if (Array.isArray(value)) {
    return value
      .map((v) => (typeof v === 'object' && v !== null ? Object.values(v as Record<string, unknown>).join('=') : String(v)))
      .join(',');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
  }
  return String(value);
}

const stepLine = (step: PlanStep, n: number, status: StepStatus) =>
  [
    `${n}. [${status}] ${step.call}: ${step.why}`,
    ...Object.entries(step.params).map(([k, v]) => `     ${k}: ${paramText(v)}`),
    ...(step.wait ? [`     then wait until ${step.wait.kind} ${step.wait.identifier} is available`] : []),
  ].join('\n');

const HEADLINE: Record<MigrationOutcome, string> = {
  planned: 'Plan only: nothing was changed. Run again with --apply to make these calls.',
  done: 'Done.',
  'not-passing': 'Every step was made, but the cluster does not pass.',
  failed: 'A step failed. Nothing after it was made; run the same command again to continue.',
  refused: 'Refused.',
};

export function renderMigrationTable(r: MigrationReport): string {
  const lines: string[] = [];
  if (r.refusal) {
    lines.push(`migrate ${r.source} (${r.region}): refused: ${refusalText(r.refusal)}`);
    return lines.join('\n');
  }
  const plan = r.plan;
  if (!plan) return `migrate ${r.source} (${r.region}): ${HEADLINE[r.outcome]}`;
  const how =
    plan.kind === 'modify-window'
      ? `raise the Backtrack window of ${plan.target} in place to ${formatDuration(plan.windowSeconds)}`
      : `restore ${plan.source.identifier} into ${plan.target} with a ${formatDuration(plan.windowSeconds)} Backtrack window (${plan.via === 'snapshot' ? 'from a new manual snapshot' : 'latest restorable time'})`;
  lines.push(`migrate ${plan.source.identifier} (${plan.region}): ${how}`);
  lines.push(`source verdict: ${plan.sourceVerdict.status} (${plan.sourceVerdict.condition}): ${plan.sourceVerdict.reason}`);
  lines.push('');
  const statuses = r.statuses ?? plannedStatuses(plan);
  plan.steps.forEach((step, i) => lines.push(stepLine(step, i + 1, statuses[i] ?? step.state)));
  lines.push('');
  lines.push(HEADLINE[r.outcome]);
  if (r.failure) lines.push(`step ${r.failure.step} failed: ${r.failure.code}: ${r.failure.message}`);
  if (r.verdict) lines.push(`${r.verdict.cluster}: ${r.verdict.status}: ${r.verdict.reason}`);
  if (r.endpoints && plan.kind === 'restore') {
    lines.push(
      `endpoints of ${plan.target}: writer ${r.endpoints.writer ?? '-'}, reader ${r.endpoints.reader ?? '-'}, port ${r.endpoints.port ?? '-'}`,
    );
  }
  if (r.cutOver?.length) {
    lines.push('Cut-over (yours to do; migrate never touches the source):');
    r.cutOver.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  }
  return lines.join('\n');
}

/** The plan and what happened, as data (`schemaVersion` as in the scan's document). */
export function migrationDocument(r: MigrationReport) {
  const plan = r.plan;
  const statuses = r.statuses ?? (plan ? plannedStatuses(plan) : []);
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: TOOL,
    command: 'migrate',
    apply: r.apply,
    outcome: r.outcome,
    region: r.region,
    source: plan?.source ?? { identifier: r.source },
    ...(r.refusal && { refusal: { kind: r.refusal.kind, message: refusalText(r.refusal) } }),
    ...(plan && {
      plan: {
        kind: plan.kind,
        target: plan.target,
        windowSeconds: plan.windowSeconds,
        ...(plan.via && { via: plan.via }),
        sourceVerdict: plan.sourceVerdict,
        steps: plan.steps.map((s, i) => ({
          n: i + 1,
          call: s.call,
          params: s.params,
          why: s.why,
          ...(s.wait && { waitFor: s.wait }),
          status: statuses[i] ?? s.state,
        })),
      },
    }),
    ...(r.failure && { failure: r.failure }),
    ...(r.verdict && { verdict: r.verdict }),
    ...(r.endpoints && { endpoints: r.endpoints }),
    ...(r.cutOver && { cutOver: r.cutOver }),
  };
}

export const renderMigrationJson = (r: MigrationReport): string => JSON.stringify(migrationDocument(r), null, 2);
