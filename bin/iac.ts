/**
 * `aurora-backtrack-check iac PATH…`: judges the Aurora MySQL clusters declared in infrastructure
 * code before it is deployed, with the scan's rules (lambda/core). Inputs: CloudFormation templates
 * (JSON, YAML), cdk.out directories and Terraform plan JSON. It makes no AWS call.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, ENV_NAMES, parseRuntimeSettings, REGION_PATTERN, type RawSettings, type SettingNames } from '../lambda/config';
import { judgeDeclared, Unknown } from '../lambda/core/declared';
import type { Policy } from '../lambda/core/types';
import { isCloudAssembly, clustersOfCloudAssembly } from '../lambda/iac/cdk-out';
import { clustersOfTemplate, IacInputError, parseTemplate, type DeclaredResource } from '../lambda/iac/cloudformation';
import type { Resolved } from '../lambda/iac/cloudformation-cluster';
import { clustersOfPlan, isTerraformPlan } from '../lambda/iac/terraform-plan';
import { FLAG_NAMES as SCHEMA_FLAG_NAMES, type RuntimeKey } from '../lambda/settings/schema';
import { IAC_FORMATS, iacTotals, renderIac, type IacFormat, type IacReport } from './output/iac';
import { renderJsonError } from './output/report';
import type { Io } from './io';

/** The scan's policy settings, which `iac` takes as the same flags. */
export const IAC_POLICY_KEYS = [
  'minWindowHours',
  'tagPrefix',
  'exemptTagKey',
  'maxExemptionDays',
  'backtrackRegions',
] as const satisfies readonly RuntimeKey[];

export interface IacFlags {
  minWindowHours?: string;
  tagPrefix?: string;
  exemptTagKey?: string;
  maxExemptionDays?: string;
  backtrackRegions?: string;
  region?: string;
  parameters?: string;
  format: string;
  output?: string;
  quiet?: boolean;
  color: boolean;
  failOn: string;
}

const FLAG_NAMES: SettingNames = { ...ENV_NAMES, ...SCHEMA_FLAG_NAMES };

/** The policy from the flags, with the scan's parsers: a typo stops the run (exit 2). */
export function iacPolicy(flags: IacFlags): Policy {
  const raw: RawSettings = Object.fromEntries(IAC_POLICY_KEYS.map((k) => [k, flags[k]]));
  return parseRuntimeSettings(raw, FLAG_NAMES).config.policy;
}

function flagProblems(flags: IacFlags): string[] {
  const problems: string[] = [];
  if (!(IAC_FORMATS as readonly string[]).includes(flags.format))
    problems.push(`--format: "${flags.format}" — use one of ${IAC_FORMATS.join(', ')}`);
  if (!['failed', 'warning'].includes(flags.failOn)) {
    problems.push(
      `--fail-on: "${flags.failOn}" — use failed (exit 1 for a FAILED resource) or warning (also for a WARNING one, unknowns included)`,
    );
  }
  if (flags.region !== undefined && !REGION_PATTERN.test(flags.region))
    problems.push(`--region: "${flags.region}" — not a Region code; use one such as eu-west-1`);
  return problems;
}

/**
 * `--parameters FILE`: CloudFormation parameter values, as `aws cloudformation deploy` and
 * `create-stack` take them: `[{"ParameterKey": …, "ParameterValue": …}]`, or an object of names to values.
 */
export function readParameters(file: string): Record<string, Resolved> {
  const doc = readJsonFile(file);
  if (Array.isArray(doc)) {
    const out: Record<string, Resolved> = {};
    for (const p of doc as { ParameterKey?: unknown; ParameterValue?: unknown }[]) {
      if (typeof p?.ParameterKey !== 'string') throw new IacInputError(file, 'each entry needs a ParameterKey and a ParameterValue');
      out[p.ParameterKey] =
        p.ParameterValue === undefined
          ? undefined
          : typeof p.ParameterValue === 'string'
            ? p.ParameterValue
            : JSON.stringify(p.ParameterValue);
    }
    return out;
  }
  const obj = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  const params = obj && typeof obj.Parameters === 'object' && obj.Parameters !== null ? obj.Parameters : obj;
  if (!params)
    throw new IacInputError(file, 'not a parameters file: use [{"ParameterKey": "…", "ParameterValue": "…"}] or {"Name": "value"}');
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IacInputError(file, code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${code ?? (err as Error).message})`);
  }
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readText(file));
  } catch (err) {
    if (err instanceof IacInputError) throw err;
    throw new IacInputError(file, `invalid JSON: ${(err as Error).message}`);
  }
}

/** The clusters of one path: a cdk.out directory, a Terraform plan JSON or a CloudFormation template. */
export function clustersIn(file: string, region: string | Unknown, parameters: Record<string, Resolved>): DeclaredResource[] {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    if (!isCloudAssembly(file)) throw new IacInputError(file, 'a directory, but not a CDK cloud assembly (no manifest.json)');
    return clustersOfCloudAssembly(file, region);
  }
  const text = readText(file);
  if (/^\s*\{/.test(text)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new IacInputError(file, `invalid JSON: ${(err as Error).message}`);
    }
    if (isTerraformPlan(doc)) return clustersOfPlan(doc, file, region);
  }
  return clustersOfTemplate(parseTemplate(text, file), { region, parameters });
}

/** The path as SARIF and the table show it: relative to the working directory, `/`-separated. */
const uriOf = (file: string) => {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return (rel.startsWith('..') ? path.resolve(file) : rel).split(path.sep).join('/');
};

export function iacCommand(paths: string[], flags: IacFlags, io: Io, now = new Date()): number {
  const problems = flagProblems(flags);
  let policy: Policy;
  try {
    policy = iacPolicy(flags);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...err.problems, ...problems]);
    throw err;
  }
  if (problems.length) throw new ConfigError(problems);
  const region = flags.region ?? new Unknown('no Region: the stack has no environment and no --region was given');
  const format = flags.format as IacFormat;
  try {
    const parameters = flags.parameters !== undefined ? readParameters(flags.parameters) : {};
    const results = paths.flatMap((p) =>
      clustersIn(p, region, parameters).map((resource) => ({
        resource,
        uri: uriOf(resource.file),
        evaluation: judgeDeclared(resource.declared, policy, now, resource.fix),
      })),
    );
    const report: IacReport = { startedAt: now.toISOString(), inputs: paths, results };
    const color = format === 'table' && !flags.output && Boolean(io.isTTY) && flags.color && !io.env.NO_COLOR;
    const text = renderIac(format, report, { color });
    if (flags.output) {
      fs.writeFileSync(flags.output, `${text}\n`);
      if (!flags.quiet) io.err(`wrote ${flags.output}`);
    } else {
      io.out(text);
    }
    const t = iacTotals(report);
    return t.failedUnsuppressed > 0 || (flags.failOn === 'warning' && t.warningUnsuppressed > 0) ? 1 : 0;
  } catch (err) {
    if (!(err instanceof IacInputError)) throw err;
    io.err(`error: ${err.message}`);
    if (format === 'json') io.out(renderJsonError({ code: 'InputError', message: err.message }, 2));
    return 2;
  }
}

/** Registers `iac` on the program; `settingOption` is the scan's flag of a shared setting. */
export function addIacCommand(
  program: Command,
  io: Io,
  setCode: (code: number) => void,
  settingOption: (key: RuntimeKey) => Option,
): Command {
  const command = program
    .command('iac')
    .description(
      'Judge the Aurora MySQL clusters in infrastructure code before it is deployed (CloudFormation JSON/YAML, a cdk.out directory, a Terraform plan JSON); no AWS call',
    )
    .argument('<paths...>', 'templates, cdk.out directories or `terraform show -json` plan files')
    .option('--region <region>', 'Region of a template or plan that names none (a CDK stack environment or the provider region come first)')
    .option('--parameters <file>', 'CloudFormation parameter values: [{"ParameterKey": …, "ParameterValue": …}] or {"Name": "value"}')
    .option('--format <format>', `output format: ${IAC_FORMATS.join(', ')} (docs/cli.md)`, 'table')
    .option('--output <file>', 'write the result to this file instead of stdout')
    .option('--quiet', 'print only the result: no notes on stderr')
    .option('--no-color', 'no colour in the table (NO_COLOR is honoured too)')
    .option('--fail-on <level>', 'exit 1 for a FAILED resource (failed), or also for a WARNING one, unknowns included (warning)', 'failed');
  for (const key of IAC_POLICY_KEYS) command.addOption(settingOption(key));
  command.action((paths: string[], flags: IacFlags) => setCode(iacCommand(paths, flags, io)));
  return command;
}
