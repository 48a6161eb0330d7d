/**
 * `npm run demo`: the whole pipeline on the local emulator, no AWS account and no credentials.
 * Boots moto behind the AWS-behaviour proxy, creates what the stack would (state table, topic with
 * a subscriber, Security Hub in three Regions), seeds a sample account covering every verdict, runs
 * the bundled Lambda handler twice, and shows the findings and the alert as people receive them.
 * `npm run demo -- --organization` audits an emulated organization instead (demo-organization.ts).
 *
 *   npm run demo -- [--organization] [--no-build]
 */
import { bundleHandler } from '../lib/bundle';
import { silenceSdkNodeVersionWarning } from '../lambda/node-warnings';
import { startEmulatedAws, type EmulatedAws } from '../emulator';
import { deploy, type Deployment, type ReceivedAlert } from '../emulator/deployment';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters } from '../emulator/sample-account';
import { build, HANDLER_BUNDLE_DIR } from './build';
import { runOrganizationDemo } from './demo-organization';
import { invokeBundled } from './invoke-local';

const say = (s = '') => process.stdout.write(`${s}\n`);
const rule = (title: string) => say(`\n${'═'.repeat(8)} ${title} ${'═'.repeat(Math.max(4, 90 - title.length))}`);

/** Runs the handler with the stack's environment, keeping its JSON logs and metrics off the screen. */
async function runHandler(d: Deployment): Promise<{ ok: boolean; text: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, d.handlerEnv());
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    const r = await invokeBundled({ mode: 'scan' });
    const summary = r.result as { totals?: Record<string, number>; events?: unknown[] } | undefined;
    const t = summary?.totals;
    return {
      ok: r.ok,
      text: r.ok
        ? `handler returned: ${t?.clusters} clusters, ${t?.inScope} Aurora MySQL — ${t?.failed} FAILED, ${t?.warning} WARNING, ${t?.passed} PASSED, ${t?.notAvailable} NOT_AVAILABLE; ${t?.suppressed} exempt; ${t?.outOfScope} out of scope; ${summary?.events?.length ?? 0} changes`
        : `handler failed: ${r.error?.name}: ${r.error?.message}`,
    };
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
}

const COMPLIANCE_ORDER: Record<string, number> = { FAILED: 0, WARNING: 1, PASSED: 2, NOT_AVAILABLE: 3 };

/** The active findings of every Region, most urgent first, then by Region; NOT_AVAILABLE rows say why. */
async function showFindings(d: Deployment): Promise<number> {
  const header = ['COMPLIANCE', 'REGION', 'CLUSTER', 'SEVERITY', 'WORKFLOW', 'TITLE'];
  const found: { row: string[]; why?: string }[] = [];
  for (const region of d.regions) {
    for (const f of (await d.findings(region)).filter((x) => x.RecordState === 'ACTIVE')) {
      const resource = f.Resources?.[0];
      const status = String(f.Compliance?.Status ?? '');
      found.push({
        row: [
          status,
          region,
          String(resource?.Details?.AwsRdsDbCluster?.DbClusterIdentifier ?? resource?.Id ?? ''),
          String(f.Severity?.Label ?? ''),
          String(f.Workflow?.Status ?? ''),
          String(f.Title ?? '').replace(/: [^:]+$/, ''),
        ],
        why: status === 'NOT_AVAILABLE' ? resource?.Details?.Other?.reason : undefined,
      });
    }
  }
  found.sort(
    (a, b) =>
      (COMPLIANCE_ORDER[a.row[0] ?? ''] ?? 9) - (COMPLIANCE_ORDER[b.row[0] ?? ''] ?? 9) ||
      (a.row[1] ?? '').localeCompare(b.row[1] ?? '') ||
      (a.row[2] ?? '').localeCompare(b.row[2] ?? ''),
  );
  const rows = [header, ...found.map((f) => f.row)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    say(
      `  ${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`,
    );
  line(header);
  for (const f of found) {
    line(f.row);
    if (f.why) say(`  ${' '.repeat((widths[0] ?? 0) + 2)}↳ ${f.why}`);
  }
  return found.length;
}

function showAlert(a: ReceivedAlert): void {
  say('\n── As an e-mail subscriber receives it ──');
  say(`Subject: ${a.subject}`);
  say('');
  say(a.email);
  say('\n── As AWS Chatbot posts it in Slack (the `default` body) ──');
  const c = a.card.content;
  const width = 96;
  say(`┌${'─'.repeat(width)}`);
  say(`│ ${c.title}`);
  say('│');
  for (const line of c.description.split('\n')) say(`│ ${line}`);
  if (c.nextSteps?.length) {
    say('│');
    say('│ Next steps');
    for (const s of c.nextSteps) say(`│ • ${s.length > width - 4 ? `${s.slice(0, width - 5)}…` : s}`);
  }
  say(`└${'─'.repeat(width)}`);
  say(
    `Message attributes: ${Object.entries(a.attributes)
      .map(([k, v]) => `${k}=${v.Value}`)
      .join(', ')}`,
  );
}

const USAGE = 'Usage: npm run demo -- [--organization] [--no-build]';

interface DemoOptions {
  /** Audit an emulated organization with the CLI instead of the single-account story. */
  organization: boolean;
  /** Build the bundles first (`--no-build`: use dist/ as it is). */
  build: boolean;
}

/** The demo's flags, or the problem with them. */
export function parseDemoArgs(args: string[]): DemoOptions | { error: string } {
  const known = ['--organization', '--no-build'];
  const unknown = args.filter((a) => !known.includes(a));
  if (unknown.length) return { error: `unknown option ${unknown.map((a) => `"${a}"`).join(', ')}: use --organization or --no-build` };
  return { organization: args.includes('--organization'), build: !args.includes('--no-build') };
}

/** The single account: the bundled handler twice, its findings and its alert. */
async function singleAccountDemo(aws: EmulatedAws, opts: DemoOptions): Promise<boolean> {
  const regions = REGIONS_OF(SAMPLE_ACCOUNT);
  const d = await deploy(aws, { regions, minWindowHours: 24 });
  say(`  created: state table ${d.tableName}, topic ${d.topicArn} (+ SQS subscriber), Security Hub in ${regions.join(', ')}`);

  rule('2. Sample account');
  await seedClusters(
    (r) => d.rds(r),
    SAMPLE_ACCOUNT,
    (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
  );
  for (const region of regions) {
    const here = SAMPLE_ACCOUNT.filter((c) => c.region === region);
    say(`  ${region}: ${here.map((c) => c.id).join(', ')}`);
  }
  say('  policy: minimum window 24 h; tags may override it per cluster or exempt a cluster');

  rule('3. First run of the bundled handler (dist/lambda/index.js, the bytes CDK deploys)');
  if (opts.build) bundleHandler(HANDLER_BUNDLE_DIR);
  const first = await runHandler(d);
  say(`  ${first.text}`);
  rule('Findings in Security Hub (read back from each Region)');
  const count = await showFindings(d);
  say(`  ${count} findings`);
  const alerts = await d.drainAlerts();
  rule(`Alert (${alerts.length} message)`);
  for (const a of alerts) showAlert(a);

  rule('4. Second run: nothing changed');
  const second = await runHandler(d);
  say(`  ${second.text}`);
  const again = await d.drainAlerts();
  say(again.length === 0 ? '  no alert sent: nothing changed, so nobody is told again' : `  UNEXPECTED: ${again.length} alert(s) sent`);
  const count2 = (await Promise.all(d.regions.map((r) => d.findings(r)))).flat().length;
  say(`  ${count2} findings in Security Hub (updated in place, no duplicates)`);
  return first.ok && second.ok && again.length === 0 && alerts.length === 1;
}

async function main(): Promise<number> {
  const opts = parseDemoArgs(process.argv.slice(2));
  if ('error' in opts) {
    process.stderr.write(`demo: ${opts.error}\n${USAGE}\n`);
    return 2;
  }
  silenceSdkNodeVersionWarning();
  say(
    opts.organization
      ? 'Aurora Backtrack Checker — local demo: an organization audited from one seat'
      : 'Aurora Backtrack Checker — local demo',
  );
  say('Everything below runs on this machine against a local AWS emulator (moto). No AWS account,');
  say('no credentials, nothing leaves the machine.');
  rule('1. Emulator');
  let aws: EmulatedAws | undefined;
  try {
    aws = await startEmulatedAws({ log: (l) => say(`  ${l}`) });
    say(`  moto behind the AWS-behaviour proxy at ${aws.endpoint}`);
    if (opts.organization && opts.build) build();
    const ok = opts.organization ? await runOrganizationDemo(aws, { say, rule }) : await singleAccountDemo(aws, opts);
    rule('Done');
    say(
      opts.organization
        ? '  Deploy to an organization: the hub once, then its StackSet covers every account (docs/organization.md)'
        : '  Deploy to a real account: npx cdk deploy -c alertEmails=you@example.com   (see README "Deploy")',
    );
    return ok ? 0 : 1;
  } finally {
    await aws?.stop();
    say('  emulator stopped');
  }
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`demo failed: ${err.name}: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
