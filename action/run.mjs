/**
 * The step of the GitHub Action (action.yml at the repository root): runs
 * `aurora-backtrack-check <command>` with the inputs as flags, writes SARIF to the `sarif-file`
 * input, and gives the exit status and the counts as step outputs. It exits with the command's own
 * exit status, so a FAILED cluster fails the step (docs/ci.md).
 *
 * Plain Node.js without dependencies: it runs on the runner's Node.js from the action's checkout,
 * which has no node_modules, and gets the CLI with `npm exec` (the npm package of the action's own
 * version unless the `package` input names another). Inputs arrive as INPUT_* variables and reach
 * the CLI as arguments, never through a shell: a value is a value, whatever it holds.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMAND = 'aurora-backtrack-check';
const COMMANDS = ['scan', 'iac'];
const ACTION_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** An input as action.yml passed it (INPUT_MIN_WINDOW_HOURS for min-window-hours), trimmed. */
const input = (name) => (process.env[`INPUT_${name.replace(/-/g, '_').toUpperCase()}`] ?? '').trim();
/** A list input: comma, space or newline separated. */
const list = (text) => text.split(/[\s,]+/).filter(Boolean);

/** A workflow command's message: escaped, so that a value cannot end the line and start a command. */
const escapeData = (text) => String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** A plain log line: one line, whatever the values in it hold. */
const say = (line) => process.stdout.write(`${line.replace(/[\r\n]+/g, ' ')}\n`);
const annotate = (level, message) => process.stdout.write(`::${level}::${escapeData(message)}\n`);

/** Appends outputs in the delimited form, so that no value can start another output. */
function setOutputs(values) {
  const file = process.env.GITHUB_OUTPUT;
  for (const [name, value] of Object.entries(values)) {
    const text = String(value);
    if (!file) {
      process.stdout.write(`${name}=${text}\n`);
      continue;
    }
    const delimiter = `ghadelimiter_${randomBytes(12).toString('hex')}`;
    fs.appendFileSync(file, `${name}<<${delimiter}\n${text}\n${delimiter}\n`);
  }
}

/** The command line after `aurora-backtrack-check`; the SARIF flags last, so they are the action's. */
function cliArgs(command, sarifFile) {
  const args = [command];
  if (command === 'scan') {
    if (input('regions')) args.push('--regions', input('regions'));
    for (const pattern of list(input('cluster'))) args.push('--cluster', pattern);
  } else {
    args.push(...list(input('paths')));
  }
  if (input('min-window-hours')) args.push('--min-window-hours', input('min-window-hours'));
  if (input('fail-on')) args.push('--fail-on', input('fail-on'));
  args.push(...input('args').split(/\s+/).filter(Boolean));
  args.push('--format', 'sarif', '--output', sarifFile);
  return args;
}

/**
 * The counts of a SARIF log of this tool: FAILED and WARNING clusters not exempt (its results
 * without an accepted suppression), and the run totals (PASSED and NOT_AVAILABLE have no result).
 * Undefined when a run carries no totals (a CLI older than the action).
 */
function countsOf(log) {
  const runs = log.runs ?? [];
  if (runs.length === 0 || runs.some((r) => typeof r.properties?.totals !== 'object')) return undefined;
  const sum = (key) => runs.reduce((n, r) => n + (Number(r.properties.totals[key]) || 0), 0);
  const open = (level) =>
    runs.flatMap((r) => r.results ?? []).filter((x) => x.level === level && !(x.suppressions ?? []).some((s) => s.status === 'accepted'))
      .length;
  return {
    failed: open('error'),
    warning: open('warning'),
    passed: sum('passed'),
    'not-available': sum('notAvailable'),
    exempt: sum('suppressed'),
    clusters: sum('inScope'),
    'out-of-scope': sum('outOfScope'),
    'not-scanned-regions': sum('notScannedRegions'),
  };
}

function main() {
  const command = input('command') || 'scan';
  if (!COMMANDS.includes(command)) {
    annotate('error', `command: "${command}" is not a command of ${COMMAND}; use ${COMMANDS.join(' or ')}`);
    setOutputs({ 'exit-code': 2 });
    return 2;
  }
  const sarifFile = path.resolve(process.env.GITHUB_WORKSPACE ?? '.', input('sarif-file') || 'aurora-backtrack.sarif');
  // A SARIF left by an earlier step must not pass for this run's.
  fs.rmSync(sarifFile, { force: true });
  fs.mkdirSync(path.dirname(sarifFile), { recursive: true });

  const version = JSON.parse(fs.readFileSync(path.join(ACTION_ROOT, 'package.json'), 'utf8')).version;
  const spec = input('package') || `${COMMAND}@${version}`;
  const args = cliArgs(command, sarifFile);
  say(`${COMMAND} ${args.join(' ')}   (npm package ${spec})`);
  // The CLI repeats a bad value in its message: no line it prints may act as a workflow command.
  const resume = `resume-${randomBytes(12).toString('hex')}`;
  process.stdout.write(`::stop-commands::${resume}\n`);
  const run = spawnSync('npm', ['exec', '--yes', `--package=${spec}`, '--', COMMAND, ...args], { stdio: 'inherit' });
  process.stdout.write(`::${resume}::\n`);
  if (run.error || run.status === null) {
    annotate('error', `${COMMAND} did not run: ${run.error ? run.error.message : `killed by ${run.signal}`}`);
    return 1;
  }
  const code = run.status;
  if (!fs.existsSync(sarifFile)) {
    annotate('error', `${COMMAND} exited ${code} and wrote no SARIF (see its message above)`);
    setOutputs({ 'exit-code': code, 'sarif-file': '' });
    return code === 0 ? 1 : code;
  }
  const counts = countsOf(JSON.parse(fs.readFileSync(sarifFile, 'utf8')));
  if (!counts) annotate('warning', `${sarifFile} carries no totals (${spec} is older than this action): no counts`);
  setOutputs({ 'exit-code': code, 'sarif-file': sarifFile, ...counts });
  if (counts && process.env.GITHUB_STEP_SUMMARY) {
    fs.appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      `**Aurora Backtrack check** (exit ${code}): ${counts.failed} FAILED, ${counts.warning} WARNING (not exempt); ` +
        `${counts.passed} PASSED, ${counts['not-available']} NOT_AVAILABLE; ${counts.exempt} exempt; ` +
        `${counts['not-scanned-regions']} Regions not scanned.\n`,
    );
  }
  return code;
}

process.exit(main());
