/**
 * `aurora-backtrack-check migrate`: gives one cluster a Backtrack window that passes. A plan first
 * (lambda/core/migration-plan.ts), printed; only with --apply are its calls made, one step at a
 * time, each waited for. Then the cluster that must pass is judged by the scan's own evaluation.
 * A failed step ends the run with the plan and the step (exit 3); the same command continues.
 */
import { Command, Option } from 'commander';
import { ConfigError, ENV_NAMES, parseRuntimeSettings, REGION_PATTERN } from '../lambda/config';
import { FLAG_NAMES as SCHEMA_FLAG_NAMES, SETTINGS } from '../lambda/settings/schema';
import { describeError } from '../lambda/aws/errors';
import { buildPlan, cutOverSteps, defaultTarget, RDS_IDENTIFIER, snapshotName } from '../lambda/core/migration-plan';
import type { MigrationPlan } from '../lambda/core/migration-types';
import type { Policy } from '../lambda/core/types';
import type { EXIT, Io } from './io';
import { renderMigrationJson, renderMigrationTable, type MigrationReport, type StepStatus } from './output/migration';

export interface MigrateFlags {
  cluster: string;
  region: string;
  windowHours?: string;
  target?: string;
  snapshot?: boolean;
  apply?: boolean;
  format: string;
  profile?: string;
  tagPrefix?: string;
  backtrackRegions?: string;
  pollSeconds: string;
  waitMinutes: string;
}

export const MIGRATE_FORMATS = ['table', 'json'] as const;

/** `--poll-seconds` and `--wait-minutes`: how often and how long a step waits for `available`. */
export const POLL_SECONDS = { default: 30, min: 0, max: 600 } as const;
export const WAIT_MINUTES = { default: 180, min: 1, max: 1440 } as const;

function wholeIn(flag: string, value: string, range: { min: number; max: number }, unit: string): string[] {
  const n = Number(value);
  return /^\d+$/.test(value.trim()) && n >= range.min && n <= range.max
    ? []
    : [`${flag}: "${value}" — use a whole number of ${unit} from ${range.min} to ${range.max}`];
}

/** Every problem with the flags at once (exit 2), the shared settings read with the schema's parsers. */
export function migrateSettings(flags: MigrateFlags): Policy {
  const problems: string[] = [];
  if (!RDS_IDENTIFIER.test(flags.cluster))
    problems.push(`--cluster: "${flags.cluster}" — use a cluster identifier (letters, digits, hyphens)`);
  if (flags.target !== undefined && !RDS_IDENTIFIER.test(flags.target)) {
    problems.push(`--target: "${flags.target}" — use 1–63 letters, digits and hyphens, starting with a letter`);
  }
  if (flags.target === undefined && RDS_IDENTIFIER.test(flags.cluster) && !RDS_IDENTIFIER.test(defaultTarget(flags.cluster))) {
    problems.push(`--target: needed, "${defaultTarget(flags.cluster)}" is longer than the 63 characters RDS allows`);
  }
  if (!REGION_PATTERN.test(flags.region)) problems.push(`--region: "${flags.region}" — not a Region code; use one such as eu-west-1`);
  if (!(MIGRATE_FORMATS as readonly string[]).includes(flags.format)) {
    problems.push(`--format: "${flags.format}" — use one of ${MIGRATE_FORMATS.join(', ')}`);
  }
  if (flags.profile !== undefined && !/^[\w.+@=,-]{1,128}$/.test(flags.profile)) {
    problems.push(`--profile: "${flags.profile}" — use the name of a profile in your AWS config`);
  }
  problems.push(...wholeIn('--poll-seconds', flags.pollSeconds, POLL_SECONDS, 'seconds'));
  problems.push(...wholeIn('--wait-minutes', flags.waitMinutes, WAIT_MINUTES, 'minutes'));
  let policy: Policy | undefined;
  try {
    const names = { ...ENV_NAMES, ...SCHEMA_FLAG_NAMES, minWindowHours: '--window-hours' };
    const raw = { minWindowHours: flags.windowHours, tagPrefix: flags.tagPrefix, backtrackRegions: flags.backtrackRegions };
    policy = parseRuntimeSettings(raw, names).config.policy;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length || !policy) throw new ConfigError(problems);
  return policy;
}

/** The CLI's exit statuses (cli.ts `EXIT`), passed in so that the command does not import the program that holds it. */
type Exit = typeof EXIT;

const exitFor = (r: MigrationReport, exit: Exit): number =>
  r.outcome === 'refused' ? exit.USAGE : r.outcome === 'failed' ? exit.DEGRADED : r.outcome === 'not-passing' ? exit.FAILED : exit.OK;

async function migrate(flags: MigrateFlags, io: Io, exit: Exit): Promise<number> {
  const policy = migrateSettings(flags);
  if (flags.profile !== undefined) {
    // The SDK's default chain reads the profile (shared config, SSO included) from the environment.
    process.env.AWS_PROFILE = flags.profile;
    io.env.AWS_PROFILE = flags.profile;
  }
  // The SDK loads only once the flags are known to be good: --help and a usage error stay fast.
  const [aws, { evaluate }] = await Promise.all([import('../lambda/aws/migration'), import('../lambda/core/evaluate')]);
  const client = aws.rdsClientFor(flags.region);
  const target = (flags.target ?? defaultTarget(flags.cluster)).toLowerCase();
  const names = { source: flags.cluster, target, ...(flags.snapshot && { snapshot: snapshotName(target) }) };
  const print = (r: MigrationReport) => io.out(flags.format === 'json' ? renderMigrationJson(r) : renderMigrationTable(r));
  const base = { apply: Boolean(flags.apply), region: flags.region, source: flags.cluster };

  const world = await aws.readWorld(client, flags.region, names);
  if (!world) {
    const r: MigrationReport = {
      ...base,
      outcome: 'refused',
      refusal: { kind: 'source-not-found', identifier: flags.cluster, region: flags.region },
    };
    print(r);
    return exitFor(r, exit);
  }
  const outcome = buildPlan(world, { policy, now: new Date(), target, snapshot: Boolean(flags.snapshot) });
  if ('refusal' in outcome) {
    const r: MigrationReport = { ...base, outcome: 'refused', refusal: outcome.refusal };
    print(r);
    return exitFor(r, exit);
  }
  const plan: MigrationPlan = outcome.plan;
  const statuses: StepStatus[] = plan.steps.map((s) => s.state);
  if (!flags.apply) {
    print({ ...base, outcome: 'planned', plan, statuses });
    return exit.OK;
  }

  const show = io.progress;
  const progress = (text: string) => show?.(`\r\u001b[K${text}`);
  const wait = { pollMs: Number(flags.pollSeconds) * 1000, timeoutMs: Number(flags.waitMinutes) * 60_000 };
  for (const [i, step] of plan.steps.entries()) {
    if (step.state === 'done') continue;
    const label = `step ${i + 1}/${plan.steps.length} ${step.call}`;
    try {
      progress(`${label}: calling`);
      await aws.runStep(client, step);
      if (step.wait) {
        const w = step.wait;
        await aws.waitUntilAvailable(client, w, {
          ...wait,
          onPoll: (status, ms) =>
            progress(`${label}: ${w.kind} ${w.identifier} ${status ?? 'not visible yet'} (${Math.round(ms / 1000)} s)`),
        });
      }
      statuses[i] = 'applied';
    } catch (err) {
      progress('');
      statuses[i] = 'failed';
      for (let j = i + 1; j < statuses.length; j++) if (statuses[j] === 'todo') statuses[j] = 'not-run';
      const { code, message } = describeError(err);
      const r: MigrationReport = { ...base, outcome: 'failed', plan, statuses, failure: { step: i + 1, code, message } };
      print(r);
      return exitFor(r, exit);
    }
  }
  progress('');

  // The same judgement as the scan's, on what AWS now says about the cluster that must pass.
  const judged = await aws.readCluster(client, flags.region, plan.target);
  if (!judged) throw new Error(`cluster ${plan.target} is not visible after the migration`);
  const verdict = evaluate(judged.facts, policy, new Date());
  const endpoints = {
    ...(judged.settings.endpoint !== undefined && { writer: judged.settings.endpoint }),
    ...(judged.settings.readerEndpoint !== undefined && { reader: judged.settings.readerEndpoint }),
    ...(judged.settings.port !== undefined && { port: judged.settings.port }),
  };
  const r: MigrationReport = {
    ...base,
    outcome: verdict.status === 'PASSED' ? 'done' : 'not-passing',
    plan,
    statuses,
    verdict: { cluster: plan.target, status: verdict.status, reason: verdict.reason },
    endpoints,
    cutOver: cutOverSteps(plan, endpoints),
  };
  print(r);
  return exitFor(r, exit);
}

/** The `migrate` command, for the program in cli.ts; `setCode` receives the exit status. */
export function migrateCommand(io: Io, setCode: (code: number) => void, exit: Exit): Command {
  return (
    new Command('migrate')
      .summary('Plan the fix for one cluster; make it with --apply')
      .description(
        [
          'Give one cluster a Backtrack window that passes: raise a short window in',
          'place (ModifyDBCluster, applied immediately), or restore a cluster without',
          'Backtrack into a new one with a window, its settings and its instances.',
          'Only plans, unless --apply.',
          '',
          'Exit status:',
          '  0  planned, or done and the cluster passes',
          '  1  done, but the cluster does not pass',
          '  2  usage error, or refused (the reason is printed)',
          '  3  an AWS call failed midway (the plan shows the step; run it again)',
        ].join('\n'),
      )
      // A command added with addCommand has its own error handling: the program's exit statuses apply.
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
      .showHelpAfterError('(see --help)')
      .requiredOption('--cluster <id>', 'the cluster to migrate')
      .requiredOption('--region <region>', 'its Region')
      .option('--window-hours <hours>', `${SETTINGS.minWindowHours.help}; the window the plan gives (default 24)`)
      .option('--target <id>', 'identifier of the new cluster (default: <cluster>-bt)')
      .option('--snapshot', 'restore from a fresh manual snapshot instead of the latest restorable time')
      .option('--apply', 'make the calls (without it, only the plan is printed and nothing is written)')
      .option('--format <format>', `output format: ${MIGRATE_FORMATS.join(', ')}`, 'table')
      .option('--profile <name>', 'AWS shared config profile to use (SSO profiles too)')
      .addOption(new Option(SETTINGS.tagPrefix.flag ?? '--tag-prefix <prefix>', SETTINGS.tagPrefix.help))
      .addOption(new Option(SETTINGS.backtrackRegions.flag ?? '--backtrack-regions <list>', SETTINGS.backtrackRegions.help))
      .option(
        '--poll-seconds <n>',
        `seconds between status checks while a step waits, ${POLL_SECONDS.min}–${POLL_SECONDS.max}`,
        String(POLL_SECONDS.default),
      )
      .option('--wait-minutes <n>', `longest wait for one step, ${WAIT_MINUTES.min}–${WAIT_MINUTES.max}`, String(WAIT_MINUTES.default))
      .action(async (flags: MigrateFlags) => setCode(await migrate(flags, io, exit)))
  );
}
