/**
 * End to end, both shells: what people are told when clusters change between runs — a lowered
 * window, a deleted cluster, an exemption added, an exemption that expires.
 */
import { AddTagsToResourceCommand, DeleteDBClusterCommand, ModifyDBClusterCommand, type DBCluster } from '@aws-sdk/client-rds';
import type { EmulatedAws } from '../../emulator';
import { describeAll, emailEntry, emailSections, FIELD, namedIn, namedInCard, where } from './checks';
import { deploy, type Deployment, type ReceivedAlert } from '../../emulator/deployment';
import { useEmulatedAws } from './emulated-account';
import { REGIONS_OF, SAMPLE_ACCOUNT, seedClusters, type SeedCluster } from '../../emulator/sample-account';
import { SHELLS, type ScanRun } from './shells';

jest.setTimeout(120_000);

const REGIONS = REGIONS_OF(SAMPLE_ACCOUNT);
const byId = (id: string): SeedCluster => {
  const c = SAMPLE_ACCOUNT.find((x) => x.id === id);
  if (!c) throw new Error(`no fixture cluster ${id}`);
  return c;
};
const LOWERED = byId('catalog-v3-at-minimum');
const DELETED = byId('orders-v3-off');
const EXEMPTED = byId('shop-v3-off');
const EXPIRING = byId('billing-v2-below');

const isoDate = (daysFromNow: number) => new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);
const headings = (a: ReceivedAlert) => [...emailSections(a.email).keys()];

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

describe.each(SHELLS)('$name', (shell) => {
  let d: Deployment;
  let clusters: Map<string, DBCluster>;

  const arnOf = (c: SeedCluster) => clusters.get(`${c.region}/${c.id}`)?.DBClusterArn ?? `missing ${c.id}`;
  const findingFor = async (c: SeedCluster) => (await d.findings(c.region)).filter((f) => f.Resources?.[0]?.Id === arnOf(c));
  const tag = (c: SeedCluster, tags: Record<string, string>) =>
    d
      .rds(c.region)
      .send(new AddTagsToResourceCommand({ ResourceName: arnOf(c), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  const scan = async (): Promise<{ run: ScanRun; alerts: ReceivedAlert[] }> => {
    const run = await shell.scan(d);
    return { run, alerts: await d.drainAlerts() };
  };

  beforeAll(async () => {
    await aws.reset();
    d = await deploy(aws, { regions: REGIONS });
    await seedClusters(
      (r) => d.rds(r),
      SAMPLE_ACCOUNT,
      (r, id, o) => aws.proxy.setClusterOverrides(r, id, o),
    );
    clusters = await describeAll(d, REGIONS);
    const baseline = await scan();
    // The starting point: everything failing has been alerted once.
    expect(baseline.alerts).toHaveLength(1);
    expect(baseline.run.code).toBe(shell.exit.failing);
  });

  it('a passing cluster whose window is lowered brings exactly one alert with one new failure, "was passing"', async () => {
    await d
      .rds(LOWERED.region)
      .send(new ModifyDBClusterCommand({ DBClusterIdentifier: LOWERED.id, BacktrackWindow: 3600, ApplyImmediately: true }));

    const { run, alerts } = await scan();

    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(headings(alert)).toEqual(['NEW FAILURES']);
    expect(namedIn(alert.email, 'NEW FAILURES')).toEqual([where(LOWERED)]);
    expect(emailEntry(alert.email, LOWERED)).toContain('window below policy (was passing)');
    expect(namedInCard(alert)).toEqual([where(LOWERED)]);
    expect(alert.subject).toBe(`Aurora Backtrack: 1 new failure (account ${aws.accountId})`);
    expect(run.summary?.events).toEqual([{ kind: 'new-failure', region: LOWERED.region, identifier: LOWERED.id }]);
    const [f] = await findingFor(LOWERED);
    expect(f?.Compliance?.Status).toBe('FAILED');
    expect(f?.ProductFields?.[FIELD('condition')]).toBe('below-policy');
  });

  it('a deleted failing cluster gets its finding ARCHIVED and one "resolved: cluster deleted" line', async () => {
    await d.rds(DELETED.region).send(new DeleteDBClusterCommand({ DBClusterIdentifier: DELETED.id, SkipFinalSnapshot: true }));

    const { run, alerts } = await scan();

    const findings = await findingFor(DELETED);
    expect(findings.map((f) => f.RecordState)).toEqual(['ARCHIVED']);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ReceivedAlert;
    expect(headings(alert)).toEqual(['RESOLVED: CLUSTER DELETED']);
    expect(namedIn(alert.email, 'RESOLVED: CLUSTER DELETED')).toEqual([where(DELETED)]);
    expect(emailEntry(alert.email, DELETED)).toContain('the cluster no longer exists');
    expect(namedInCard(alert)).toEqual([where(DELETED)]);
    expect(run.summary?.events).toEqual([{ kind: 'deleted', region: DELETED.region, identifier: DELETED.id }]);
  });

  it('an exemption added to a failing cluster suppresses its finding with the reason and cap as note, and the grant is named once', async () => {
    const reason = 'data migrated to shop-v4 next sprint';
    await tag(EXEMPTED, { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': reason });
    const publishedBefore = aws.proxy.published.length;

    const { run, alerts } = await scan();

    expect(alerts).toHaveLength(1);
    expect(headings(alerts[0] as ReceivedAlert)).toEqual(['TAG CHANGES']);
    expect(namedIn((alerts[0] as ReceivedAlert).email, 'TAG CHANGES')).toEqual([where(EXEMPTED)]);
    expect(aws.proxy.published.length).toBe(publishedBefore + 1);
    const [f] = await findingFor(EXEMPTED);
    expect(f?.Workflow?.Status).toBe('SUPPRESSED');
    const workflow = aws.proxy.workflowOf(EXEMPTED.region, f?.Id ?? '');
    expect(workflow?.workflowStatus).toBe('SUPPRESSED');
    expect(workflow?.note?.Text).toMatch(
      /^Exempt from the Backtrack check until \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \(capped: the longest an exemption may last; the tag gives no expiry\): /,
    );
    expect(workflow?.note?.Text?.endsWith(reason)).toBe(true);
    expect(f?.ProductFields?.[FIELD('exemptReason')]).toBe(reason);
    expect(run.summary?.events).toEqual([{ kind: 'tag-change', region: EXEMPTED.region, identifier: EXEMPTED.id }]);
    if (shell.kind === 'cli') {
      const shown = run.summary?.clusters?.find((c) => c.identifier === EXEMPTED.id);
      expect(shown).toMatchObject({ status: 'FAILED', suppressed: true, exemption: { active: true, reason } });
    }
  });

  it('an exemption whose expiry passes stops suppressing: one "exemption expired" alert, not repeated on the next run', async () => {
    await tag(EXPIRING, {
      'backtrack-check:exempt': 'true',
      'backtrack-check:exempt-reason': 'vendor fix due',
      'backtrack-check:exempt-until': isoDate(2),
    });
    const whileExempt = await scan();
    // The grant itself is named once (tag audit); nothing else.
    expect(whileExempt.alerts.map(headings)).toEqual([['TAG CHANGES']]);
    const [f] = await findingFor(EXPIRING);
    expect(aws.proxy.workflowOf(EXPIRING.region, f?.Id ?? '')?.workflowStatus).toBe('SUPPRESSED');

    // Time passes: the expiry date is now in the past.
    const expiredOn = isoDate(-2);
    await tag(EXPIRING, { 'backtrack-check:exempt-until': expiredOn });
    const expired = await scan();

    expect(expired.alerts).toHaveLength(1);
    const alert = expired.alerts[0] as ReceivedAlert;
    expect(headings(alert)).toEqual(['EXEMPTIONS EXPIRED']);
    expect(namedIn(alert.email, 'EXEMPTIONS EXPIRED')).toEqual([where(EXPIRING)]);
    expect(emailEntry(alert.email, EXPIRING)).toContain(`exemption expired (${expiredOn}), now FAILED`);
    expect(emailEntry(alert.email, EXPIRING)).toContain('reason was: vendor fix due');
    expect(expired.run.summary?.events).toEqual([{ kind: 'exemption-expired', region: EXPIRING.region, identifier: EXPIRING.id }]);
    const workflow = aws.proxy.workflowOf(EXPIRING.region, f?.Id ?? '');
    expect(workflow?.workflowStatus).toBe('NEW');
    expect(workflow?.note?.Text).toContain(`Exemption expired (${expiredOn})`);

    const next = await scan();
    expect(next.alerts).toEqual([]);
    expect(next.run.summary?.events).toEqual([]);
  });
});
