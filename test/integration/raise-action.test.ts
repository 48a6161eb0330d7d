/**
 * End to end through the bundled handler: the Security Hub custom action "Raise Backtrack", chosen
 * on findings Security Hub shows, delivered as the "Security Hub Findings - Custom Action" event
 * its rule sends. The window is read back with DescribeDBClusters, the alert from the topic's
 * subscriber, the finding from Security Hub.
 */
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { EmulatedAws } from '../../emulator';
import { emailSections, expectValidChatbotCard } from './checks';
import type { Deployment, ReceivedAlert } from '../../emulator/deployment';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { V3, type SeedCluster } from '../../emulator/sample-account';
import { runHandler } from './shells';

jest.setTimeout(180_000);

const H = 3600;
const REGION = 'us-east-1';
const CLUSTERS: SeedCluster[] = [
  {
    region: REGION,
    id: 'orders-short',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 2 * H,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
  {
    region: REGION,
    id: 'legacy-off',
    engine: 'aurora-mysql',
    engineVersion: V3,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'disabled' },
  },
  {
    region: REGION,
    id: 'payments-short',
    engine: 'aurora-mysql',
    engineVersion: V3,
    backtrackWindow: 1 * H,
    expected: { scope: 'in-scope', status: 'FAILED', condition: 'below-policy' },
  },
];

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

/** The event Security Hub sends for a custom action (Security Hub user guide, "EventBridge event formats"). */
function customActionEvent(findings: AwsSecurityFinding[]): Record<string, unknown> {
  return {
    version: '0',
    id: '1a1111a1-b22b-3c33-444d-5555e5ee5555',
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: aws.accountId,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:securityhub:${REGION}:${aws.accountId}:action/custom/RaiseBacktrack`],
    detail: {
      actionName: 'Raise Backtrack',
      actionDescription: "Aurora Backtrack Checker: raise the Backtrack window of the chosen findings' clusters to the policy minimum",
      findings,
    },
  };
}

async function windowOf(d: Deployment, id: string): Promise<number | undefined> {
  const out = await d.rds(REGION).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
  return out.DBClusters?.[0]?.BacktrackWindow;
}

describe('Security Hub custom action "Raise Backtrack"', () => {
  let d: Deployment;
  let alerts: ReceivedAlert[];
  let result: Record<string, unknown> | undefined;

  beforeAll(async () => {
    d = await freshAccount(aws, CLUSTERS);
    const scan = await runHandler(d, 'scan');
    expect(scan.json.ok).toBe(true);
    await d.drainAlerts();
    aws.proxy.clearCalls();

    const findings = await d.findings(REGION);
    const byCluster = (id: string) => {
      const f = findings.find((x) => x.Resources?.[0]?.Id?.endsWith(`:cluster:${id}`));
      if (!f) throw new Error(`no finding for ${id}`);
      return f;
    };
    // Another product's finding on a short-window cluster: it must be left alone.
    const foreign: AwsSecurityFinding = {
      ...byCluster('payments-short'),
      Id: `arn:aws:securityhub:${REGION}:${aws.accountId}:subscription/aws-foundational-security-best-practices/v/1.0.0/RDS.14/finding/1`,
      ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
      GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/RDS.14',
      ProductName: 'Security Hub',
    };
    const run = await runHandler(d, customActionEvent([byCluster('orders-short'), byCluster('legacy-off'), foreign]));
    expect(run.json.ok).toBe(true);
    result = run.json.result;
    alerts = await d.drainAlerts();
  });

  it("raises the short window of the checker's own finding to the policy minimum, read back from RDS", async () => {
    expect(await windowOf(d, 'orders-short')).toBe(24 * H);
    expect(aws.proxy.callsFor({ service: 'rds', operation: 'ModifyDBCluster' })).toHaveLength(1);
  });

  it("leaves another product's finding's cluster and the cluster without Backtrack as they were", async () => {
    expect(await windowOf(d, 'payments-short')).toBe(1 * H);
    expect(await windowOf(d, 'legacy-off')).toBe(0);
  });

  it('answers the cluster without Backtrack with the migrate command, in the alert that says what was raised and what was not', () => {
    const action = alerts.find((a) => a.email.includes('RAISED BY THE SECURITY HUB ACTION'));
    if (!action) throw new Error(`no alert of the action among ${alerts.map((a) => a.subject).join('; ')}`);
    expect(action.subject).toBe(`Aurora Backtrack: 1 window raised, 2 not raised (account ${aws.accountId})`);
    const sections = emailSections(action.email);
    expect(sections.get('RAISED BY THE SECURITY HUB ACTION')).toEqual([
      'orders-short (us-east-1): window raised from 2 h to 24 h (the account policy), applied immediately; re-checked: PASSED',
    ]);
    const notRaised = (sections.get('NOT RAISED BY THE SECURITY HUB ACTION') ?? []).join('\n');
    expect(notRaised).toContain('legacy-off (us-east-1): not raised: Backtrack is off, and it cannot be turned on for an existing cluster');
    expect(notRaised).toContain('aurora-backtrack-check migrate --cluster legacy-off --region us-east-1 --window-hours 24');
    expect(notRaised).toContain('not a finding of the Aurora Backtrack Checker (product "Security Hub")');
    expectValidChatbotCard(action);
    expect(action.card.content.nextSteps).toEqual([
      'legacy-off (us-east-1): aurora-backtrack-check migrate --cluster legacy-off --region us-east-1 --window-hours 24',
    ]);
  });

  it("re-checks the raised cluster the way a CloudTrail event does: its finding PASSES and the re-check's alert says it is fixed", async () => {
    const finding = (await d.findings(REGION)).find((f) => f.Resources?.[0]?.Id?.endsWith(':cluster:orders-short'));
    expect(finding?.Compliance?.Status).toBe('PASSED');
    const fixed = alerts.find((a) => a.email.includes('FIXED (1)'));
    expect(emailSections(fixed?.email ?? '').get('FIXED')?.[0]).toContain('orders-short (us-east-1): was window below policy, now PASSED');
    expect(result).toMatchObject({
      mode: 'raise-window',
      rechecks: [{ mode: 'recheck', events: [{ kind: 'fixed', identifier: 'orders-short' }] }],
    });
  });
});
