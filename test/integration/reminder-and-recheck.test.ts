/**
 * End to end through the bundled handler: the reminder digest (second schedule) read from the state
 * table, and the instant re-check of one cluster from a CloudTrail event delivered by EventBridge.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  DeleteDBClusterCommand,
  ModifyDBClusterCommand,
  RemoveFromGlobalClusterCommand,
  type DBCluster,
} from '@aws-sdk/client-rds';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from '../../emulator';
import { describeAll, emailEntry, emailSections, expectValidChatbotCard, FIELD, namedIn, namedInCard, where } from './checks';
import { deploy, type Deployment, type ReceivedAlert } from '../../emulator/deployment';
import { useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters, type SeedCluster } from '../../emulator/sample-account';
import { METRICS_AND_POLICY_CLUSTERS, fixtureNamed } from './fixtures';
import { runHandler } from './shells';

jest.setTimeout(120_000);

const ACCOUNT = [...SAMPLE_ACCOUNT, ...METRICS_AND_POLICY_CLUSTERS];
const REGIONS = REGIONS_OF(ACCOUNT);
const cluster = fixtureNamed(ACCOUNT);

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

async function deployAndScan(clusters: SeedCluster[]): Promise<{ d: Deployment; described: Map<string, DBCluster> }> {
  await aws.reset();
  const d = await deploy(aws, { regions: REGIONS_OF(clusters) });
  await seedClusters(
    (r) => d.rds(r),
    clusters,
    (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
  );
  const scan = await runHandler(d, 'scan');
  expect(scan.json.ok).toBe(true);
  await d.drainAlerts();
  return { d, described: await describeAll(d, REGIONS_OF(clusters)) };
}

/** The EventBridge event of a CloudTrail-recorded RDS API call, as the stack's rule delivers it. */
function cloudTrailEvent(
  eventName: string,
  region: string,
  requestParameters: Record<string, unknown>,
  at: Date = new Date(),
): Record<string, unknown> {
  const time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: '6f2f9a4e-0c55-4b1c-9d0e-1b2c3d4e5f60',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.rds',
    account: aws.accountId,
    time,
    region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${aws.accountId}:assumed-role/dba/alice` },
      eventTime: time,
      eventSource: 'rds.amazonaws.com',
      eventName,
      awsRegion: region,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.17.0',
      requestParameters,
      responseElements: null,
      requestID: 'c0ffee00-1111-2222-3333-444455556666',
      eventID: 'deadbeef-aaaa-bbbb-cccc-ddddeeeeffff',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: aws.accountId,
      eventCategory: 'Management',
    },
  };
}

describe('reminder digest', () => {
  let d: Deployment;
  let described: Map<string, DBCluster>;

  beforeAll(async () => {
    ({ d, described } = await deployAndScan(ACCOUNT));
  });

  it('lists the failure older than the reminder age and every exemption (the one without expiry flagged) in one message', async () => {
    const stale = cluster('orders-v3-off');
    const resourceId = described.get(`${stale.region}/${stale.id}`)?.DbClusterResourceId;
    // The failure was first seen ten days ago.
    await new DynamoDBClient(aws.clientConfig(d.homeRegion)).send(
      new UpdateItemCommand({
        TableName: d.tableName,
        Key: { pk: { S: `cluster#${aws.accountId}#${stale.region}#${resourceId}` } },
        UpdateExpression: 'SET #since = :since',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#since': 'since' },
        ExpressionAttributeValues: { ':since': { S: new Date(Date.now() - 10 * 86_400_000).toISOString() } },
      }),
    );

    const r = await runHandler(d, 'reminder');

    expect({ code: r.code, ok: r.json.ok }).toEqual({ code: 0, ok: true });
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(alert.subject).toBe('Aurora Backtrack reminder: 1 still failing, 2 exemptions (account 123456789012)');
    expect([...emailSections(alert.email).keys()]).toEqual(['STILL FAILING AFTER 7 DAYS', 'EXEMPTIONS IN FORCE']);
    expect(namedIn(alert.email, 'STILL FAILING AFTER 7 DAYS')).toEqual([where(stale)]);
    expect(emailEntry(alert.email, stale)).toContain('Backtrack disabled for 10 days (FAILED)');
    expect(namedIn(alert.email, 'EXEMPTIONS IN FORCE')).toEqual(
      [where(cluster('archive-exempt-until-2099')), where(cluster('sandbox-exempt'))].sort(),
    );
    expect(emailEntry(alert.email, cluster('sandbox-exempt'))).toMatch(
      /exempt NO EXPIRY — set an exempt-until date \(capped: ends \S+Z\); reason: throwaway test data/,
    );
    expect(emailEntry(alert.email, cluster('archive-exempt-until-2099'))).toMatch(
      /exempt until 2099-12-31 \(capped: ends \S+Z\); reason: read-only archive/,
    );
    expect(alert.email).toContain('This is the periodic reminder');
    expectValidChatbotCard(alert);
    expect(namedInCard(alert)).toEqual(
      [where(stale), where(cluster('archive-exempt-until-2099')), where(cluster('sandbox-exempt'))].sort(),
    );
  });

  it('sends nothing when no failure is older than the reminder age and nothing is exempt', async () => {
    const healthy = ACCOUNT.filter(
      (c) => c.expected.scope === 'out-of-scope' || (c.expected.status !== 'FAILED' && !c.expected.suppressed),
    );
    const { d: quiet } = await deployAndScan(healthy);
    const publishedBefore = aws.proxy.published.length;

    const r = await runHandler(quiet, 'reminder');

    expect({ code: r.code, ok: r.json.ok }).toEqual({ code: 0, ok: true });
    expect(await quiet.drainAlerts()).toEqual([]);
    expect(aws.proxy.published.length).toBe(publishedBefore);
  });
});

describe('instant re-check from a CloudTrail event', () => {
  let d: Deployment;
  let described: Map<string, DBCluster>;

  const allFindings = async () => (await Promise.all(REGIONS.map((r) => d.findings(r)))).flat();
  const updatedAt = (findings: AwsSecurityFinding[]) => new Map(findings.map((f) => [f.Id ?? '', f.UpdatedAt ?? '']));
  const arnOf = (c: SeedCluster) => described.get(`${c.region}/${c.id}`)?.DBClusterArn ?? `missing ${c.id}`;

  beforeAll(async () => {
    ({ d, described } = await deployAndScan(ACCOUNT));
  });

  it('after ModifyDBCluster re-checks only that cluster: only its finding is updated, and the alert is about it alone', async () => {
    const modified = cluster('search-v2-above');
    await d
      .rds(modified.region)
      .send(new ModifyDBClusterCommand({ DBClusterIdentifier: modified.id, BacktrackWindow: 2 * 3600, ApplyImmediately: true }));
    const before = updatedAt(await allFindings());

    const r = await runHandler(
      d,
      cloudTrailEvent('ModifyDBCluster', modified.region, {
        dBClusterIdentifier: modified.id,
        backtrackWindow: 7200,
        applyImmediately: true,
      }),
    );

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const after = await allFindings();
    const changed = after.filter((f) => f.UpdatedAt !== before.get(f.Id ?? '')).map((f) => f.Resources?.[0]?.Id);
    expect(changed).toEqual([arnOf(modified)]);
    const f = after.find((x) => x.Resources?.[0]?.Id === arnOf(modified));
    expect(f?.Compliance?.Status).toBe('FAILED');
    expect(f?.ProductFields?.[FIELD('backtrackWindowSeconds')]).toBe('7200');
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect([...emailSections(alert.email).keys()]).toEqual(['NEW FAILURES']);
    expect(namedIn(alert.email, 'NEW FAILURES')).toEqual([where(modified)]);
    expect(emailEntry(alert.email, modified)).toContain('window below policy (was passing)');
    expect(namedInCard(alert)).toEqual([where(modified)]);
    // The fix applies at once (not in the maintenance window), beside the checker's migrate command.
    const modify = `aws rds modify-db-cluster --db-cluster-identifier ${modified.id} --backtrack-window 86400 --apply-immediately --region ${modified.region}`;
    const migrate = `aurora-backtrack-check migrate --cluster ${modified.id} --region ${modified.region} --window-hours 24`;
    expect(f?.Remediation?.Recommendation?.Text).toBe(`Raise the window in place: ${modify} (or: ${migrate})`);
    expect(f?.ProductFields?.[FIELD('fixCommand')]).toBe(modify);
    expect(emailEntry(alert.email, modified)).toContain(`  Fix: Raise the window in place: ${modify} (or: ${migrate})`);
    expect(alert.card.content.nextSteps).toEqual([`${where(modified)}: ${modify} (or: ${migrate})`]);
  });

  it('after AddTagsToResource (exemption) re-checks only that cluster: its finding is suppressed with the reason, and the grant is named once', async () => {
    const tagged = cluster('ledger-v3-one-second-short');
    const tags = [
      { Key: 'backtrack-check:exempt', Value: 'true' },
      { Key: 'backtrack-check:exempt-reason', Value: 'replaced by ledger-v4 on Friday' },
    ];
    await d.rds(tagged.region).send(new AddTagsToResourceCommand({ ResourceName: arnOf(tagged), Tags: tags }));
    const before = updatedAt(await allFindings());
    const publishedBefore = aws.proxy.published.length;

    const r = await runHandler(d, cloudTrailEvent('AddTagsToResource', tagged.region, { resourceName: arnOf(tagged), tags }));

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const after = await allFindings();
    expect(after.filter((f) => f.UpdatedAt !== before.get(f.Id ?? '')).map((f) => f.Resources?.[0]?.Id)).toEqual([arnOf(tagged)]);
    const f = after.find((x) => x.Resources?.[0]?.Id === arnOf(tagged));
    expect(f?.Workflow?.Status).toBe('SUPPRESSED');
    expect(aws.proxy.workflowOf(tagged.region, f?.Id ?? '')?.note?.Text).toMatch(
      /^Exempt from the Backtrack check until \S+Z \(capped: the longest an exemption may last; the tag gives no expiry\): replaced by ledger-v4 on Friday$/,
    );
    const alerts = await d.drainAlerts();
    expect(alerts.map((a) => [...emailSections(a.email).keys()])).toEqual([['TAG CHANGES']]);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'TAG CHANGES')).toEqual([where(tagged)]);
    expect(aws.proxy.published.length).toBe(publishedBefore + 1);
  });
  it('after RemoveFromGlobalCluster re-checks the detached cluster, named by ARN in its own Region: NOT_AVAILABLE becomes a failure, alerted', async () => {
    const member = cluster('global-member');
    const arn = arnOf(member);
    await d
      .rds(member.region)
      .send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'payments-global', DbClusterIdentifier: arn }));
    const before = updatedAt(await allFindings());

    // CloudTrail records the call in the Region it was made in; the cluster's ARN names its own.
    const r = await runHandler(
      d,
      cloudTrailEvent('RemoveFromGlobalCluster', member.region, { globalClusterIdentifier: 'payments-global', dbClusterIdentifier: arn }),
    );

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const after = await allFindings();
    expect(after.filter((f) => f.UpdatedAt !== before.get(f.Id ?? '')).map((f) => f.Resources?.[0]?.Id)).toEqual([arn]);
    expect(after.find((x) => x.Resources?.[0]?.Id === arn)?.Compliance?.Status).toBe('FAILED');
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual([where(member)]);
  });

  it("reports a re-check whose finding Security Hub does not take as degraded, counted in RecheckDegradations (not the Degraded alarm's metric), and still alerts the change", async () => {
    const modified = cluster('reports-v3-ok');
    await d
      .rds(modified.region)
      .send(new ModifyDBClusterCommand({ DBClusterIdentifier: modified.id, BacktrackWindow: 3600, ApplyImmediately: true }));
    const before = updatedAt(await allFindings());
    const fault = aws.proxy.addFault({ service: 'securityhub', region: modified.region, operation: 'BatchImportFindings', kind: '5xx' });

    const r = await runHandler(
      d,
      cloudTrailEvent('ModifyDBCluster', modified.region, {
        dBClusterIdentifier: modified.id,
        backtrackWindow: 3600,
        applyImmediately: true,
      }),
    ).finally(() => aws.proxy.removeFault(fault));

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const degraded = (r.json.result?.degraded ?? []) as { key: string; message: string }[];
    expect(degraded.map((x) => x.key)).toEqual([`findings-not-published#${modified.region}`]);
    expect(degraded[0]?.message).toMatch(
      new RegExp(`^${modified.region}: 1 finding\\(s\\) not published — Security Hub import failed in ${modified.region}: `),
    );
    const emf = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf.filter((m) => 'Degradations' in m)).toEqual([]);
    expect(emf.filter((m) => 'RecheckDegradations' in m).map((m) => m.RecheckDegradations)).toEqual([1]);
    const after = await allFindings();
    expect(after.filter((f) => f.UpdatedAt !== before.get(f.Id ?? '')).map((f) => f.Resources?.[0]?.Id)).toEqual([]);
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'NEW FAILURES')).toEqual([where(modified)]);
  });

  it('after DeleteDBCluster of a failing cluster archives its finding and says it is resolved, touching no other finding', async () => {
    const gone = cluster('orders-v3-off');
    const arn = arnOf(gone);
    await d.rds(gone.region).send(new DeleteDBClusterCommand({ DBClusterIdentifier: gone.id, SkipFinalSnapshot: true }));
    const before = updatedAt(await allFindings());

    const r = await runHandler(
      d,
      cloudTrailEvent('DeleteDBCluster', gone.region, { dBClusterIdentifier: gone.id, skipFinalSnapshot: true }),
    );

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const after = await allFindings();
    expect(after.filter((f) => f.UpdatedAt !== before.get(f.Id ?? '')).map((f) => [f.Resources?.[0]?.Id, f.RecordState])).toEqual([
      [arn, 'ARCHIVED'],
    ]);
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect([...emailSections(alert.email).keys()]).toEqual(['RESOLVED: CLUSTER DELETED']);
    expect(namedIn(alert.email, 'RESOLVED: CLUSTER DELETED')).toEqual([where(gone)]);
  });

  it('after ModifyDBCluster sets a window to 0, alerts HIGH that it is irreversible and who did it (userIdentity), and the finding is HIGH', async () => {
    const turnedOff = cluster('catalog-v3-at-minimum');
    await d
      .rds(turnedOff.region)
      .send(new ModifyDBClusterCommand({ DBClusterIdentifier: turnedOff.id, BacktrackWindow: 0, ApplyImmediately: true }));

    const r = await runHandler(
      d,
      cloudTrailEvent('ModifyDBCluster', turnedOff.region, {
        dBClusterIdentifier: turnedOff.id,
        backtrackWindow: 0,
        applyImmediately: true,
      }),
    );

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const f = (await allFindings()).find((x) => x.Resources?.[0]?.Id === arnOf(turnedOff));
    expect({ status: f?.Compliance?.Status, severity: f?.Severity?.Label }).toEqual({ status: 'FAILED', severity: 'HIGH' });
    expect(f?.ProductFields?.[FIELD('reason')]).toContain('a window set to 0 can never be raised again on this cluster');
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(alert.attributes.severity?.Value).toBe('HIGH');
    expect(namedIn(alert.email, 'NEW FAILURES')).toEqual([where(turnedOff)]);
    expect(emailEntry(alert.email, turnedOff)).toContain(
      'Backtrack turned off, irreversible: a window set to 0 can never be raised again on this cluster; ' +
        `who: arn:aws:sts::${aws.accountId}:assumed-role/dba/alice (was passing)`,
    );
    expect(alert.card.content.description).toContain(`who: arn:aws:sts::${aws.accountId}:assumed-role/dba/alice (was passing)`);
  });

  it('after CreateDBCluster without Backtrack, alerts that the cluster was created minutes ago (the event time) and to re-create it now or migrate', async () => {
    const region = 'us-east-1';
    const id = 'fresh-v3-off';
    await d.rds(region).send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-mysql',
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
      }),
    );
    const createdAt = new Date(Date.now() - 7 * 60_000);
    const at = createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');

    const r = await runHandler(
      d,
      cloudTrailEvent('CreateDBCluster', region, { dBClusterIdentifier: id, engine: 'aurora-mysql' }, createdAt),
    );

    expect({ code: r.code, ok: r.json.ok, mode: r.json.result?.mode }).toEqual({ code: 0, ok: true, mode: 'recheck' });
    const alerts = await d.drainAlerts();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(namedIn(alert.email, 'NEW FAILURES')).toEqual([`${id} (${region})`]);
    // Seven minutes from the event time (moto's ClusterCreateTime says "just now"); eight if the run was slow.
    const entry = emailEntry(alert.email, { id, region });
    expect(entry).toMatch(
      new RegExp(`^- ${id} \\(${region}\\): Backtrack disabled; created [78] minutes ago \\(CloudTrail CreateDBCluster ${at}\\)\n`),
    );
    expect(entry).toContain(
      '  Re-create it now, while it holds little or no data: delete it and create it again with --backtrack-window 86400, ' +
        `or run: aurora-backtrack-check migrate --cluster ${id} --region ${region} --window-hours 24. ` +
        'That costs far less now than a migration and cut-over later.',
    );
    expect(alert.card.content.description).toContain(`*${id}* (${region}): Backtrack disabled; created `);
    expect(alert.card.content.nextSteps).toEqual([
      `${id} (${region}): re-create it now, while it holds little or no data: create it again with --backtrack-window 86400, ` +
        `or aurora-backtrack-check migrate --cluster ${id} --region ${region} --window-hours 24`,
    ]);
  });
});
