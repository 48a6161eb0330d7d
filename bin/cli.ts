import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  ENV_NAMES,
  parseRuntimeSettings,
  REGION_PATTERN,
  type RawSettings,
  type RuntimeSettings,
  type SettingNames,
} from '../lambda/config';
import { regionCaseHint } from '../lambda/settings/parse';
import { unknownRegionsProblem } from '../lambda/settings/region-codes';
import { DEFAULTS, FLAG_NAMES as SCHEMA_FLAG_NAMES, RUNTIME_KEYS, SETTINGS, type RuntimeKey } from '../lambda/settings/schema';
import { describeError } from '../lambda/aws/errors';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { ACCOUNT_CONCURRENCY, accountFlagProblems, scanAccounts, type AccountFlags } from './accounts';
import { addIacCommand } from './iac';
import { FORMATS, render, type Format } from './output';
import type { ScanSettings } from './output/html';
import { regionsLine, renderJsonError } from './output/report';
import { parseStatuses, STATUSES } from './output/status-filter';
import { endpointInUse, hintFor, outputProblem, profileProblem, waitingLine } from './preflight';

export { hintFor };
import { TOOL } from './output/version';
import { migrateCommand } from './migrate';
import { isDegraded } from '../lambda/degraded';
import type { ComplianceStatus } from '../lambda/core/types';
import type { Logger, RunSummary } from '../lambda/run';

import { clusterMatcher, noClusterMatched } from './cluster-filter';
import { EXIT, type Io } from './io';

export { clusterMatcher };

export { EXIT, type Io };

silenceSdkNodeVersionWarning();

/** Problems name the flag; reminderAfterDays has no flag and keeps its variable's name. */
const FLAG_NAMES: SettingNames = { ...ENV_NAMES, ...SCHEMA_FLAG_NAMES };

/** The settings the CLI shares with the function, as flags (commander names each after its setting). */
const SHARED_FLAGS = RUNTIME_KEYS.filter((key) => SETTINGS[key].flag !== undefined);

/** A shared setting's flag, with its help and default from the schema. */
function settingOption(key: RuntimeKey): Option {
  const { flag, help } = SETTINGS[key];
  const option = new Option(flag ?? `--${key}`, help);
  const fallback = (DEFAULTS as Partial<Record<RuntimeKey, unknown>>)[key];
  if (flag?.includes('<') && (typeof fallback === 'string' || typeof fallback === 'number')) option.default(String(fallback));
  return option;
}

export interface ScanFlags extends AccountFlags {
  regions?: string;
  minWindowHours?: string;
  tagPrefix?: string;
  exemptTagKey?: string;
  format: string;
  output?: string;
  quiet?: boolean;
  color: boolean;
  failOn: string;
  cluster: string[];
  profile?: string;
  publishFindings?: boolean;
  alertTopicArn?: string;
  stateTable?: string;
  actualWindow: boolean;
  pageSize?: string;
  homeRegion?: string;
  timeout: string;
  maxExemptionDays?: string;
  backtrackRegions?: string;
  allowNewRegions?: boolean;
  status?: string;
}

/** `--timeout`: seconds the whole run may take (README "CLI"). */
export const TIMEOUT_SECONDS = { default: 90, min: 10, max: 3600 } as const;

/** The settings the CLI shares with the function, read from their flags with the schema's parsers. */
export function settingsFromFlags(flags: Readonly<Partial<Record<RuntimeKey, unknown>>>): RuntimeSettings {
  const shared: RawSettings = Object.fromEntries(SHARED_FLAGS.map((key) => [key, flags[key] as RawSettings[RuntimeKey]]));
  return parseRuntimeSettings(shared, FLAG_NAMES);
}

/** Problems with the flags only the CLI has (every one is reported, with parseSettings' own). */
function cliFlagProblems(flags: ScanFlags, env: NodeJS.ProcessEnv = {}): string[] {
  const problems: string[] = [];
  if (flags.regions !== undefined && flags.regions.trim() === '') {
    problems.push(
      '--regions: "" — empty; give a comma list of Region codes such as us-east-1,eu-west-1, or "all" for every enabled Region',
    );
  }
  const { min, max } = TIMEOUT_SECONDS;
  if (!/^\d+$/.test(flags.timeout.trim())) {
    problems.push(`--timeout: "${flags.timeout}" — use a whole number of seconds from ${min} to ${max}`);
  } else if (Number(flags.timeout) < min || Number(flags.timeout) > max) {
    problems.push(`--timeout: "${flags.timeout}" — out of range ${min}–${max} (seconds the run may take)`);
  }
  if (!(FORMATS as readonly string[]).includes(flags.format)) {
    problems.push(`--format: "${flags.format}" — use one of ${FORMATS.join(', ')}`);
  }
  if (!FAIL_ON.includes(flags.failOn as (typeof FAIL_ON)[number])) {
    problems.push(`--fail-on: "${flags.failOn}" — use failed (exit 1 for a FAILED cluster) or warning (also for a WARNING one)`);
  }
  if (flags.homeRegion !== undefined && !REGION_PATTERN.test(flags.homeRegion)) {
    problems.push(
      `--home-region: "${flags.homeRegion}" — not a Region code${regionCaseHint([flags.homeRegion])}; use one such as us-east-1`,
    );
  } else if (flags.homeRegion !== undefined && !flags.allowNewRegions) {
    const unknown = unknownRegionsProblem([flags.homeRegion], '--allow-new-regions');
    if (unknown) problems.push(`--home-region: "${flags.homeRegion}" — ${unknown}`);
  }
  for (const c of flags.cluster) {
    if (!/^[A-Za-z0-9*?-]{1,63}$/.test(c)) {
      problems.push(`--cluster: "${c}" — use a cluster identifier (letters, digits, hyphens), * and ? as wildcards`);
    }
  }
  if (flags.cluster.length && flags.stateTable !== undefined) {
    problems.push('--cluster with --state-table: a filtered run would take the other clusters for deleted; drop one of the two');
  }
  if (flags.profile !== undefined && !/^[\w.+@=,-]{1,128}$/.test(flags.profile)) {
    problems.push(`--profile: "${flags.profile}" — use the name of a profile in your AWS config`);
  } else if (flags.profile !== undefined) {
    const missing = profileProblem(flags.profile, env);
    if (missing) problems.push(missing);
  }
  if (flags.status !== undefined) {
    const statuses = parseStatuses(flags.status);
    if ('problem' in statuses) problems.push(statuses.problem);
  }
  const output = flags.output !== undefined ? outputProblem(flags.output) : undefined;
  if (output) problems.push(output);
  problems.push(...accountFlagProblems(flags));
  return problems;
}

/** `--fail-on`: the lowest verdict that makes the exit status 1. */
export const FAIL_ON = ['failed', 'warning'] as const;

const quietLog = (io: Io, verbose: boolean): Logger => ({
  info: (m, ...x) => verbose && io.err(`info: ${m} ${x.length ? JSON.stringify(x) : ''}`),
  warn: (m, ...x) => io.err(`warning: ${m} ${x.length ? JSON.stringify(x) : ''}`),
  error: (m, ...x) => io.err(`error: ${m} ${x.length ? JSON.stringify(x) : ''}`),
});

function homeRegionOf(flags: ScanFlags, env: NodeJS.ProcessEnv): string | undefined {
  const listed = flags.regions && flags.regions !== 'all' ? flags.regions.split(',')[0]?.trim() : undefined;
  return flags.homeRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? listed;
}

export function exitCodeFor(summary: RunSummary, failOn: (typeof FAIL_ON)[number] = 'failed'): number {
  if (isDegraded(summary)) return EXIT.DEGRADED;
  if (summary.totals.failedUnsuppressed > 0) return EXIT.FAILED;
  const warnings = (summary.evaluations ?? []).filter((e) => e.scope === 'in-scope' && e.status === 'WARNING' && !e.exemption.active);
  return failOn === 'warning' && warnings.length > 0 ? EXIT.FAILED : EXIT.OK;
}

async function scanCommand(flags: ScanFlags, io: Io): Promise<number> {
  const startedMs = Date.now();
  const { config, stateTable } = settingsFromFlags(flags);
  const problems = cliFlagProblems(flags, io.env);
  if (problems.length) throw new ConfigError(problems);
  config.keepEvaluations = true;
  const only = clusterMatcher(flags.cluster);
  // Every cluster listed passes the filter once: their count tells "no such cluster" from "no cluster".
  let listed = 0;
  if (only) config.clusterFilter = (id) => (listed++, only(id));
  const statuses = flags.status !== undefined ? (parseStatuses(flags.status) as { ok: ComplianceStatus[] }).ok : undefined;
  if (flags.profile !== undefined) {
    // The SDK's default chain reads the profile (shared config, SSO included) from the environment.
    process.env.AWS_PROFILE = flags.profile;
    io.env.AWS_PROFILE = flags.profile;
  }
  const homeRegion = homeRegionOf(flags, io.env);
  if (!homeRegion) {
    throw new ConfigError(['no AWS Region: set AWS_REGION (or a profile with a region), pass --home-region, or list --regions explicitly']);
  }
  const settings = scanSettings(config, flags);
  if (flags.accounts !== undefined) {
    const format = flags.format as Format;
    return scanAccounts(config, flags, {
      settings,
      homeRegion,
      deadline: startedMs + Number(flags.timeout) * 1000,
      log: quietLog(io, Boolean(io.env.DEBUG)),
      format,
      color: format === 'table' && !flags.output && Boolean(io.isTTY) && flags.color && !io.env.NO_COLOR,
      exitCodeFor: (s) => exitCodeFor(s, flags.failOn as (typeof FAIL_ON)[number]),
      emit: (text) => emit(text, flags, io),
      err: io.err,
      ...(io.progress && !flags.quiet ? { progress: io.progress } : {}),
      ...(statuses ? { statuses } : {}),
      ...(only
        ? { unmatched: (matched: number) => (matched === 0 ? noClusterMatched(flags.cluster, listed, 'the accounts audited') : undefined) }
        : {}),
    });
  }
  // The SDK and the run load only once the flags are known to be good: --help and a usage error stay fast.
  const [{ awsDeps }, { runCheck }] = await Promise.all([import('../lambda/default-deps'), import('../lambda/run')]);
  const deps = awsDeps({
    homeRegion,
    stateTable,
    alertTopicArn: config.alertTopicArn,
    log: quietLog(io, Boolean(io.env.DEBUG)),
    regionsModule: () => import('../lambda/aws/regions'),
  });
  let waiting: { stop(): void } | undefined;
  if (io.progress && !flags.quiet) {
    const show = io.progress;
    waiting = waitingLine(show, endpointInUse(io.env, homeRegion), startedMs);
    deps.progress = (p) => {
      waiting?.stop();
      show(`\r\u001b[K${p.regionsDone}/${p.regionsTotal} Regions done, ${p.clustersJudged} clusters judged`);
    };
  }
  let summary: RunSummary;
  try {
    summary = await runCheck(config, deps, { mode: 'scan' }, { deadline: startedMs + Number(flags.timeout) * 1000 });
  } finally {
    waiting?.stop();
    io.progress?.('\r\u001b[K');
  }
  if (only && summary.totals.clusters === 0 && !isDegraded(summary)) {
    throw new ConfigError([noClusterMatched(flags.cluster, listed, regionsLine(summary, config.regions === 'all'))]);
  }
  const format = flags.format as Format;
  const color = format === 'table' && !flags.output && Boolean(io.isTTY) && flags.color && !io.env.NO_COLOR;
  const view = {
    color,
    actualWindow: config.actualWindow,
    allRegions: config.regions === 'all',
    settings,
    ...(statuses ? { statuses } : {}),
  };
  emit(render(format, summary, view), flags, io);
  return exitCodeFor(summary, flags.failOn as (typeof FAIL_ON)[number]);
}

/** How the scan was asked for, as the HTML page states it. */
function scanSettings(config: RuntimeSettings['config'], flags: ScanFlags): ScanSettings {
  return {
    policy: config.policy,
    regions: config.regions,
    actualWindow: config.actualWindow,
    publishFindings: config.publishFindings,
    clusterFilter: flags.cluster,
    failOn: flags.failOn,
    ...(flags.accounts !== undefined ? { accounts: flags.accounts, roleName: flags.roleName } : {}),
  };
}

/** The result goes to stdout, or to `--output` (a note on stderr unless --quiet). */
function emit(text: string, flags: Pick<ScanFlags, 'output' | 'quiet'>, io: Io): void {
  if (!flags.output) return io.out(text.replace(/\n$/, ''));
  fs.writeFileSync(flags.output, text.endsWith('\n') ? text : `${text}\n`);
  if (!flags.quiet) io.err(`wrote ${flags.output}`);
}

/** Runs the command; a ConfigError about the shared settings also names the bad CLI-only flags. */
async function namingEveryBadFlag(flags: ScanFlags, env: NodeJS.ProcessEnv, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const more = cliFlagProblems(flags, env).filter((p) => !err.problems.includes(p));
    throw more.length ? new ConfigError([...err.problems, ...more]) : err;
  }
}

/** Builds the command line; `run` resolves to the exit status. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('aurora-backtrack-check')
    .description(
      [
        'Checks every Aurora MySQL cluster for Aurora Backtrack and a minimum window.',
        'Read-only by default: nothing is written to AWS unless --publish-findings,',
        '--alert-topic-arn or --state-table is given. Credentials and endpoint come',
        'from the standard AWS chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).',
        '',
        'Exit status:',
        '  0  no cluster FAILED (with --fail-on warning: nor WARNING)',
        '  1  at least one cluster FAILED; exempt clusters do not count',
        '  2  usage or configuration error',
        '  3  a Region not scanned or a publish step failed (takes precedence over 1)',
      ].join('\n'),
    )
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .version(TOOL.version, '--version', 'print the version')
    .showHelpAfterError('(see --help)');
  const scan = program
    .command('scan')
    .description('Judge every cluster of the watched Regions and print the verdicts')
    .addOption(settingOption('regions'))
    .addOption(settingOption('allowNewRegions'))
    .addOption(settingOption('minWindowHours'))
    .addOption(settingOption('tagPrefix'))
    .addOption(settingOption('exemptTagKey'))
    .option('--format <format>', `output format: ${FORMATS.join(', ')}, any case (docs/cli.md)`, (v: string) => v.toLowerCase(), 'table')
    .option(
      '--status <verdicts>',
      `show only clusters with these verdicts, e.g. FAILED,WARNING (any of ${STATUSES.join(', ')}); totals count all`,
    )
    .option('--output <file>', 'write the result to this file instead of stdout')
    .option('--quiet', 'print only the result: no notes or warnings on stderr')
    .option('--no-color', 'no colour in the table (NO_COLOR is honoured too)')
    .option('--fail-on <level>', 'exit 1 for a FAILED cluster (failed), or also for a WARNING one (warning)', 'failed')
    .option(
      '--cluster <id>',
      'only clusters whose identifier matches; repeatable, * and ? as wildcards',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--profile <name>', 'AWS shared config profile to use (SSO profiles too)')
    .addOption(settingOption('publishFindings'))
    .addOption(settingOption('alertTopicArn'))
    .addOption(settingOption('stateTable'))
    .addOption(settingOption('actualWindow'))
    .addOption(settingOption('pageSize'))
    .addOption(settingOption('maxExemptionDays'))
    .addOption(settingOption('backtrackRegions'))
    .option('--home-region <region>', 'Region for STS, EC2 DescribeRegions and the state table (default: AWS_REGION)')
    .option(
      '--timeout <seconds>',
      `seconds the run may take, ${TIMEOUT_SECONDS.min}–${TIMEOUT_SECONDS.max}: a Region not finished in time is reported as not scanned (exit 3) and the rest is still published`,
      String(TIMEOUT_SECONDS.default),
    )
    .option('--accounts <list>', 'audit these accounts: "all" (every ACTIVE account of the organization) or a comma list of ids')
    .option('--role-name <name>', 'with --accounts: the IAM role to assume in each account')
    .option('--external-id <id>', 'with --accounts: the sts:ExternalId the role requires')
    .option(
      '--account-concurrency <n>',
      `with --accounts: accounts audited at once, ${ACCOUNT_CONCURRENCY.min}–${ACCOUNT_CONCURRENCY.max}`,
      String(ACCOUNT_CONCURRENCY.default),
    )
    .action(async (flags: ScanFlags) => setCode(await namingEveryBadFlag(flags, io.env, () => scanCommand(flags, io))));
  const iac = addIacCommand(program, io, setCode, settingOption);
  program.addCommand(migrateCommand(io, setCode, EXIT));
  // `aurora-backtrack-check --help` documents every flag, not only the command names.
  program.addHelpText('after', () => `\n${scan.helpInformation().trimEnd()}\n\n${iac.helpInformation().trimEnd()}`);
  return program;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) of an error or of one of its causes. */
function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/** Runs the CLI with argv (without `node` and the script); resolves to the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.OK;
  const wantsJson = argv.some((a, i) => a.toLowerCase() === '--format=json' || (a === '--format' && argv[i + 1]?.toLowerCase() === 'json'));
  const quiet = argv.includes('--quiet');
  const outerIo: Io = quiet ? { ...io, err: () => undefined } : io;
  /** With --format json a failed run still writes a JSON document, with the error, on stdout. */
  const fail = (exitCode: number, error: { code: string; message: string; problems?: readonly string[] }) => {
    if (wantsJson) io.out(renderJsonError(error, exitCode));
    return exitCode;
  };
  const program = buildProgram(outerIo, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT.OK;
      return fail(EXIT.USAGE, { code: 'UsageError', message: err.message });
    }
    if (err instanceof ConfigError) {
      io.err(err.message);
      return fail(EXIT.USAGE, { code: 'ConfigError', message: err.message, problems: err.problems });
    }
    const { code: name, message } = describeError(err);
    io.err(name === 'Error' ? `error: ${message}` : `error: ${name}: ${message}`);
    // A bare Error (a connection that failed before AWS answered) is named by its system code.
    const code = name === 'Error' ? (systemCode(err) ?? name) : name;
    const hint = hintFor(name, message, io.env);
    if (hint) io.err(hint);
    if (/credential|Region is missing|security token|ExpiredToken|UnrecognizedClient/i.test(`${name} ${message}`)) {
      return fail(EXIT.USAGE, { code, message });
    }
    return fail(EXIT.DEGRADED, { code, message });
  }
}
