/**
 * The SDK floor of an audit of an organization from one seat, in a fresh Node process (bundled
 * and minified by bench/sdk-floor.ts like the handler): the minimal calls of
 * `scan --accounts all --role-name … --publish-findings` (bench/minimum-calls.ts
 * organizationMinimumCalls), made with the SDK clients and client settings the CLI uses, against
 * the fake AWS, with no checker logic — every account's findings are read ready-made from the plan.
 *
 * Schedule (the organization floor's, bench/floor.ts computeOrganizationFloor):
 * - GetCallerIdentity (the caller's partition) beside ListAccounts page 1; the pages one after
 *   another, paced to Organizations' rate limit so that none is throttled;
 * - an account starts once the page listing it and the caller's identity are in, at most
 *   `concurrency` accounts in flight, in list order;
 * - an account: AssumeRole of the audit role with the caller's credentials, then its own scan with
 *   clients made with the assumed credentials, per Region (bench/sdk-floor-region.ts), with
 *   lambda/default-deps.ts CLIENT_SETTINGS and its connection pools shared per service and Region;
 *   no state table, no lease, no alert (an audit from one seat keeps none). A Region's CloudWatch
 *   client is made only when a cluster there needs metrics.
 *   argv: <plan JSON path>
 */
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ListAccountsCommand, type ListAccountsCommandOutput, OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ClusterState, RunMeta } from '../lambda/core/state-types';
import { CLIENT_SETTINGS, pooledSettings } from '../lambda/default-deps';
import { Semaphore } from '../lambda/concurrency';
import { BatchPipeline, Pacer, pacingLimit } from './sdk-floor-calls';
import type { OrgSdkFloorPlan, SdkFloorPlan } from './sdk-floor-plan';
import { type Counters, paceImports, scanRegion } from './sdk-floor-region';
import { type OrgSdkFloorReport, failedOrgSdkFloorReport } from './reports';

type Settings = typeof CLIENT_SETTINGS;

/** The caller's partition, from its identity's ARN. */
async function partitionOf(sts: STSClient): Promise<string> {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  return out.Arn?.split(':')[1] ?? 'aws';
}

/** Every account id ListAccounts lists, page by page: `onPage` is told each page's ids as soon as it answers. */
async function listAccounts(client: OrganizationsClient, plan: OrgSdkFloorPlan, onPage: (ids: string[]) => void): Promise<void> {
  const pacer = new Pacer(pacingLimit(plan.listLimit));
  let token: string | undefined;
  do {
    await pacer.acquire();
    const out: ListAccountsCommandOutput = await client.send(
      new ListAccountsCommand({ MaxResults: plan.accountsPerPage, ...(token && { NextToken: token }) }),
    );
    onPage((out.Accounts ?? []).map((a) => a.Id ?? ''));
    token = out.NextToken || undefined;
  } while (token);
}

/** One account: AssumeRole with the caller's credentials, then its scan with the assumed ones. */
async function auditAccount(
  account: SdkFloorPlan,
  o: { sts: STSClient; partition: string; roleName: string; settings: Settings; importLimit: SdkFloorPlan['importLimit'] },
  counters: Counters,
  t0: number,
): Promise<void> {
  const out = await o.sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:${o.partition}:iam::${account.accountId}:role/${o.roleName}`,
      RoleSessionName: 'aurora-backtrack-check',
      DurationSeconds: 3600,
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole in ${account.accountId} returned no credentials`);
  const assumed = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
  const settings = { ...o.settings, credentials: () => Promise.resolve(assumed) };
  // Nothing is written: an audit from one seat has no state table.
  const noWrites = new BatchPipeline<ClusterState | RunMeta>(() => Promise.reject(new Error('an audit writes no state')), {
    batchSize: 1,
    inFlight: 1,
  });
  await Promise.all(
    account.regions.map((r) => {
      let cloudWatch: CloudWatchClient | undefined;
      const clients = {
        rds: new RDSClient({ region: r.region, ...pooledSettings('rds', r.region, settings) }),
        securityHub: paceImports(
          new SecurityHubClient({ region: r.region, ...pooledSettings('securityhub', r.region, settings) }),
          o.importLimit,
        ),
        cloudWatch: () => (cloudWatch ??= new CloudWatchClient({ region: r.region, ...pooledSettings('monitoring', r.region, settings) })),
      };
      return scanRegion(r, account, clients, Promise.resolve(), noWrites, counters, t0);
    }),
  );
  await noWrites.finish();
}

async function main(): Promise<OrgSdkFloorReport> {
  const [planPath] = process.argv.slice(2);
  if (!planPath) throw new Error('usage: sdk-floor-org-child <plan JSON path>');
  const planCpu0 = process.cpuUsage();
  const planT0 = performance.now();
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as OrgSdkFloorPlan;
  const planMs = performance.now() - planT0;
  const planCpu = process.cpuUsage(planCpu0);
  const settings = plan.clientSettings as unknown as Settings;
  const byId = new Map(plan.accounts.map((a) => [a.accountId, a]));
  const counters: Counters = { imported: 0, importFailed: 0, listedMs: 0 };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The caller's clients, as bin/accounts.ts makes them.
  const sts = new STSClient({ region: plan.homeRegion, ...settings });
  const organizations = new OrganizationsClient({ region: plan.homeRegion, ...settings });
  const identity = partitionOf(sts);
  identity.catch(() => undefined);
  const slots = new Semaphore(plan.concurrency);
  const audits: Promise<void>[] = [];
  let listed = 0;
  await listAccounts(organizations, plan, (ids) => {
    for (const id of ids) {
      const account = byId.get(id);
      if (!account) throw new Error(`ListAccounts listed ${id}, which the plan does not know`);
      listed += 1;
      const audit = slots.run(async () => {
        const o = { sts, partition: await identity, roleName: plan.roleName, settings, importLimit: account.importLimit };
        await auditAccount(account, o, counters, t0);
      });
      audit.catch(() => undefined);
      audits.push(audit);
    }
  });
  if (listed !== plan.accounts.length) throw new Error(`ListAccounts listed ${listed} of the plan's ${plan.accounts.length} accounts`);
  await Promise.all(audits);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const whole = process.cpuUsage();
  return {
    ok: counters.importFailed === 0,
    ...(counters.importFailed > 0 && {
      error: { name: 'FindingsRejected', message: `Security Hub rejected ${counters.importFailed} findings` },
    }),
    accounts: listed,
    wallMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    planMs,
    planCpuMs: (planCpu.user + planCpu.system) / 1000,
    processCpuMs: (whole.user + whole.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    heapUsedMb: process.memoryUsage().heapUsed / 1_048_576,
    imported: counters.imported,
    importFailed: counters.importFailed,
    phases: { listedMs: counters.listedMs, importedMs: wallMs, publishedMs: wallMs, writtenMs: wallMs },
  };
}

main()
  .then((report) => process.send?.(report, () => process.exit(0)))
  .catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    process.send?.(failedOrgSdkFloorReport({ name: e.name, message: e.message }), () => process.exit(1));
  });
