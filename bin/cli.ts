import { Command, CommanderError, Option } from 'commander';
import { ConfigError, parseSettings, type SettingNames } from '../lambda/config';
import { awsDeps } from '../lambda/default-deps';
import { describeError } from '../lambda/aws/errors';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { renderJson, renderTable } from '../lambda/report';
import { isDegraded, runCheck, type Logger, type RunSummary } from '../lambda/run';

silenceSdkNodeVersionWarning();

/** Exit statuses (README "CLI"). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, DEGRADED: 3 } as const;

const FLAG_NAMES: SettingNames = {
  regions: '--regions',
  minWindowHours: '--min-window-hours',
  tagPrefix: '--tag-prefix',
  exemptTagKey: '--exempt-tag-key',
  publishFindings: '--publish-findings',
  alertTopicArn: '--alert-topic-arn',
  reminderAfterDays: '--reminder-after-days',
  actualWindow: '--no-actual-window',
  pageSize: '--page-size',
  maxExemptionDays: '--max-exemption-days',
  backtrackRegions: '--backtrack-regions',
};

interface ScanFlags {
  regions?: string;
  minWindowHours?: string;
  tagPrefix?: string;
  exemptTagKey?: string;
  format: 'table' | 'json';
  publishFindings?: boolean;
  alertTopicArn?: string;
  stateTable?: string;
  actualWindow: boolean;
  pageSize?: string;
  homeRegion?: string;
  maxExemptionDays?: string;
  backtrackRegions?: string;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const quietLog = (io: Io, verbose: boolean): Logger => ({
  info: (m, ...x) => verbose && io.err(`info: ${m} ${x.length ? JSON.stringify(x) : ''}`),
  warn: (m, ...x) => io.err(`warning: ${m} ${x.length ? JSON.stringify(x) : ''}`),
  error: (m, ...x) => io.err(`error: ${m} ${x.length ? JSON.stringify(x) : ''}`),
});

function homeRegionOf(flags: ScanFlags, env: NodeJS.ProcessEnv): string | undefined {
  const listed = flags.regions && flags.regions !== 'all' ? flags.regions.split(',')[0]?.trim() : undefined;
  return flags.homeRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? listed;
}

export function exitCodeFor(summary: RunSummary): number {
  if (isDegraded(summary)) return EXIT.DEGRADED;
  return summary.totals.failedUnsuppressed > 0 ? EXIT.FAILED : EXIT.OK;
}

async function scanCommand(flags: ScanFlags, io: Io): Promise<number> {
  const config = parseSettings(
    {
      regions: flags.regions,
      minWindowHours: flags.minWindowHours,
      tagPrefix: flags.tagPrefix,
      exemptTagKey: flags.exemptTagKey,
      publishFindings: flags.publishFindings ? 'true' : 'false',
      alertTopicArn: flags.alertTopicArn,
      actualWindow: flags.actualWindow ? 'true' : 'false',
      pageSize: flags.pageSize,
      maxExemptionDays: flags.maxExemptionDays,
      backtrackRegions: flags.backtrackRegions,
    },
    FLAG_NAMES,
  );
  if (flags.stateTable !== undefined && !/^[a-zA-Z0-9_.-]{3,255}$/.test(flags.stateTable)) {
    throw new ConfigError([`--state-table: "${flags.stateTable}" — use a DynamoDB table name (3–255 of a-z A-Z 0-9 _ . -)`]);
  }
  config.keepEvaluations = true;
  const homeRegion = homeRegionOf(flags, io.env);
  if (!homeRegion) {
    throw new ConfigError(['no AWS Region: set AWS_REGION (or a profile with a region), pass --home-region, or list --regions explicitly']);
  }
  const deps = awsDeps({
    homeRegion,
    stateTable: flags.stateTable,
    alertTopicArn: config.alertTopicArn,
    log: quietLog(io, Boolean(io.env.DEBUG)),
  });
  const summary = await runCheck(config, deps, { mode: 'scan' });
  io.out(flags.format === 'json' ? renderJson(summary) : renderTable(summary));
  return exitCodeFor(summary);
}

/** Builds the command line; `run` resolves to the exit status. */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('aurora-backtrack-check')
    .description(
      'Checks every Aurora MySQL cluster for Aurora Backtrack and a minimum window.\n' +
        'Read-only by default: nothing is written to AWS unless --publish-findings, --alert-topic-arn or --state-table is given.\n' +
        'Credentials and endpoint come from the standard AWS chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).\n\n' +
        'Exit status: 0 no cluster FAILED; 1 at least one cluster FAILED (exempt clusters do not count);\n' +
        '2 usage or configuration error; 3 a Region was not scanned or a publish step failed (takes precedence over 1).',
    )
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError('(see --help)');
  const scan = program
    .command('scan')
    .description('Judge every cluster of the watched Regions and print the verdicts')
    .option('--regions <list>', 'comma list of Region codes, or "all" for every Region enabled in the account', 'all')
    .option('--min-window-hours <hours>', 'required minimum window, 0–72 (fractional allowed; 0 = any enabled window)', '24')
    .option('--tag-prefix <prefix>', 'prefix of the tags the checker reads', 'backtrack-check:')
    .option('--exempt-tag-key <key>', 'exemption tag key (default: <tag-prefix>exempt); value "true" exempts')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--publish-findings', "import one finding per cluster into Security Hub (in the cluster's Region)")
    .option('--alert-topic-arn <arn>', 'publish the change alert to this SNS topic')
    .option('--state-table <name>', 'DynamoDB table for run-to-run state (without it every current failure counts as new)')
    .option('--no-actual-window', 'skip CloudWatch Backtrack metrics (actual window, cost hint)')
    .option('--page-size <n>', 'DescribeDBClusters page size, 20–100', '100')
    .option('--max-exemption-days <days>', 'an exemption ends at most this many days after it was first seen, 1–3650', '90')
    .option(
      '--backtrack-regions <list>',
      'comma list of Regions to treat as offering Backtrack although the built-in list says AWS does not',
    )
    .option('--home-region <region>', 'Region for STS, EC2 DescribeRegions and the state table (default: AWS_REGION)')
    .action(async (flags: ScanFlags) => setCode(await scanCommand(flags, io)));
  // `aurora-backtrack-check --help` documents every flag, not only the command names.
  program.addHelpText('after', () => `\n${scan.helpInformation().trimEnd()}`);
  return program;
}

/** Runs the CLI with argv (without `node` and the script); resolves to the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version'
        ? EXIT.OK
        : EXIT.USAGE;
    }
    if (err instanceof ConfigError) {
      io.err(err.message);
      return EXIT.USAGE;
    }
    const { code: name, message } = describeError(err);
    io.err(`error: ${name}: ${message}`);
    if (/credential|Region is missing|security token|ExpiredToken|UnrecognizedClient/i.test(`${name} ${message}`)) {
      io.err('Check your AWS credentials and Region (AWS_PROFILE, AWS_REGION); nothing was judged.');
      return EXIT.USAGE;
    }
    return EXIT.DEGRADED;
  }
}

if (require.main === module) {
  const io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), env: process.env };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
