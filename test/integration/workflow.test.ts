/**
 * End to end on the emulator: a finding's workflow belongs to the deployed checker (the bundled
 * handler with its state table). A stateless CLI run (`scan --publish-findings` without
 * `--state-table`) imports findings only, and the checker reopens a failing cluster's finding that
 * someone suppressed by hand, and says so once in its alert.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AddTagsToResourceCommand, type DBCluster } from '@aws-sdk/client-rds';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from '../../emulator';
import type { Deployment } from '../../emulator/deployment';
import type { SeedCluster } from '../../emulator/sample-account';
import { describeAll, emailSections, expectValidChatbotCard, namedInCard, where } from './checks';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runCli, runHandler, type SummaryJson } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const V3 = '8.0.mysql_aurora.3.05.2';
const LEGACY: SeedCluster = {
  region: REGION,
  id: 'legacy-off',
  engine: 'aurora-mysql',
  engineVersion: V3,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
};
const ORDERS: SeedCluster = {
  region: REGION,
  id: 'orders-off',
  engine: 'aurora-mysql',
  engineVersion: V3,
  expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
};
const DAY_MS = 86_400_000;

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe('a finding’s workflow across the deployed checker and a stateless CLI run', () => {
  let d: Deployment;
  let clusters: Map<string, DBCluster>;
  const arnOf = (c: SeedCluster) => clusters.get(`${c.region}/${c.id}`)?.DBClusterArn ?? `missing ${c.id}`;
  const findingOf = async (c: SeedCluster) => (await d.findings(c.region)).find((f) => f.Resources?.[0]?.Id === arnOf(c));
  const workflowOf = async (c: SeedCluster) => aws.proxy.workflowOf(c.region, (await findingOf(c))?.Id ?? '');
  const deployedScan = async (): Promise<SummaryJson> => {
    const r = await runHandler(d, 'scan');
    expect(r.json.ok).toBe(true);
    return r.json.result as unknown as SummaryJson;
  };
  const documents = () => DynamoDBDocumentClient.from(new DynamoDBClient(aws.clientConfig(d.homeRegion)));

  beforeAll(async () => {
    d = await freshAccount(aws, [LEGACY, ORDERS]);
    clusters = await describeAll(d, [REGION]);
    await d
      .rds(REGION)
      .send(new AddTagsToResourceCommand({ ResourceName: arnOf(LEGACY), Tags: [{ Key: 'backtrack-check:exempt', Value: 'true' }] }));
  });

  it('a stateless CLI run with --publish-findings leaves an exemption whose cap ran out NEW, as the deployed checker set it', async () => {
    await deployedScan();
    expect((await workflowOf(LEGACY))?.workflowStatus).toBe('SUPPRESSED');
    // Time passes: the table says the exemption was first seen 200 days ago, beyond the 90-day cap.
    const table = documents();
    const items = (await table.send(new ScanCommand({ TableName: d.tableName }))).Items ?? [];
    const item = items.find((i) => i['identifier'] === LEGACY.id);
    expect(item).toBeDefined();
    await table.send(
      new PutCommand({ TableName: d.tableName, Item: { ...item, exemptSince: new Date(Date.now() - 200 * DAY_MS).toISOString() } }),
    );
    const expired = await deployedScan();
    expect(expired.events).toEqual([{ kind: 'exemption-expired', region: REGION, identifier: LEGACY.id }]);
    expect((await workflowOf(LEGACY))?.workflowStatus).toBe('NEW');
    aws.proxy.clearCalls();

    // An audit from a laptop: no state table, no alert topic; findings published.
    const stateless = await runCli(
      { ...d, cliArgs: (extra = []) => ['scan', '--regions', REGION, '--publish-findings', '--format', 'json', ...extra] },
      [],
    );

    expect(stateless.code).toBe(1);
    expect(aws.proxy.callsFor({ service: 'securityhub', operation: 'BatchUpdateFindings' })).toEqual([]);
    expect(aws.proxy.callsFor({ service: 'securityhub', operation: 'BatchImportFindings' }).length).toBeGreaterThan(0);
    expect((await workflowOf(LEGACY))?.workflowStatus).toBe('NEW');
    expect((await findingOf(LEGACY))?.Workflow?.Status).toBe('NEW');
  });

  it('the deployed checker reopens a failing cluster’s finding someone set to SUPPRESSED by hand, with a note and one alert line saying so', async () => {
    const finding = await findingOf(ORDERS);
    expect(finding?.Workflow?.Status).toBe('NEW');
    const hub = new SecurityHubClient(aws.clientConfig(REGION));
    await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: finding?.Id, ProductArn: finding?.ProductArn }],
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'noise', UpdatedBy: 'someone' },
      }),
    );
    expect((await workflowOf(ORDERS))?.workflowStatus).toBe('SUPPRESSED');
    await d.drainAlerts();

    const summary = await deployedScan();

    const workflow = await workflowOf(ORDERS);
    expect(workflow?.workflowStatus).toBe('NEW');
    expect(workflow?.note?.Text).toBe(
      'Workflow SUPPRESSED set outside aurora-backtrack-checker; re-asserted as NEW: the cluster still fails the Backtrack check and has no active exemption (only the exemption tag suppresses this finding).',
    );
    expect(summary.regions.find((r) => r.region === REGION)).toMatchObject({ reasserted: 1 });
    expect(summary.degraded).toEqual([]);
    const [alert, ...more] = await d.drainAlerts();
    expect(more).toEqual([]);
    expect(alert?.subject).toBe(`Aurora Backtrack: 1 hidden finding set back (account ${aws.accountId})`);
    expect([...emailSections(alert?.email ?? '').entries()]).toEqual([
      ['HIDDEN OUTSIDE THE CHECKER, SET BACK', [`${where(ORDERS)}: its finding was SUPPRESSED outside the checker; set back to NEW`]],
    ]);
    expect(alert && namedInCard(alert)).toEqual([where(ORDERS)]);
    expect(alert?.attributes['event']?.Value).toBe('["workflow-reasserted"]');
    expect(alert?.attributes['severity']?.Value).toBe('MEDIUM');
    if (alert) expectValidChatbotCard(alert);

    // Security Hub now shows what the checker remembers: the next scan has nothing to say.
    await deployedScan();
    expect(await d.drainAlerts()).toEqual([]);
  });
});
