import { evaluate } from '../../../lambda/core/evaluate';
import { findingId, productArn, toFinding } from '../../../lambda/core/finding';
import {
  claimFinding,
  migrateCommand,
  planRaise,
  raiseEntry,
  type ChosenFinding,
  type Claim,
  type RaiseOutcome,
} from '../../../lambda/core/raise-window';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, ACCOUNT_ID, cluster, HOUR, NOW, policy } from '../fixtures';

/** A finding as the checker writes it, read the way the action reads the event's findings. */
function ownFinding(c: ClusterFacts = cluster()): ChosenFinding {
  const f = toFinding(evaluate(c, policy(), NOW), ACCOUNT, NOW, undefined);
  const r = f.Resources[0];
  return {
    id: f.Id,
    productArn: f.ProductArn,
    generatorId: f.GeneratorId,
    awsAccountId: f.AwsAccountId,
    resourceType: r?.Type ?? '',
    resourceId: r?.Id ?? '',
    clusterResourceId: r?.Details.AwsRdsDbCluster?.DbClusterResourceId ?? '',
    recordState: f.RecordState,
    productName: f.ProductName,
  };
}

const claimed = (c: ClusterFacts = cluster()): Extract<Claim, { kind: 'cluster' }> => {
  const claim = claimFinding(ownFinding(c), ACCOUNT, 'all');
  if (claim.kind !== 'cluster') throw new Error(`not claimed: ${JSON.stringify(claim)}`);
  return claim;
};

describe('claimFinding: only the checker’s own findings of this account', () => {
  it('claims a finding the checker wrote, naming its cluster and the cluster it is about', () => {
    expect(claimFinding(ownFinding(), ACCOUNT, 'all')).toEqual({
      kind: 'cluster',
      findingId: findingId(ACCOUNT_ID, 'eu-west-1', 'cluster-ORDERS'),
      cluster: { region: 'eu-west-1', identifier: 'orders' },
      clusterResourceId: 'cluster-ORDERS',
    });
  });

  it.each<[string, Partial<ChosenFinding>]>([
    ['another generator (another tool importing into the account’s own product)', { generatorId: 'my-own-scanner/rds' }],
    ['another product (AWS Config, say)', { productArn: 'arn:aws:securityhub:eu-west-1::product/aws/config' }],
    ['the product ARN of another Region than the cluster’s', { productArn: productArn('aws', 'us-east-1', ACCOUNT_ID) }],
    ['a finding id the checker does not make', { id: 'arn:aws:config:eu-west-1:111122223333:config-rule/x' }],
    ['a resource that is not an RDS cluster', { resourceType: 'AwsRdsDbInstance' }],
    ['a cluster ARN of another partition', { resourceId: `arn:aws-cn:rds:eu-west-1:${ACCOUNT_ID}:cluster:orders` }],
  ])('refuses %s as another product’s finding', (_name, change) => {
    const claim = claimFinding({ ...ownFinding(), ...change }, ACCOUNT, 'all');

    expect(claim).toMatchObject({ kind: 'refused', refusal: { kind: 'other-product', productName: 'Aurora Backtrack Checker' } });
  });

  it('refuses a finding of another account, even one shaped like its own (a member’s, seen from an administrator)', () => {
    const member = { ...ACCOUNT, accountId: '444455556666' };
    const theirs = ownFinding();
    const asMember = claimFinding(theirs, member, 'all');
    const foreignCluster = claimFinding({ ...theirs, resourceId: 'arn:aws:rds:eu-west-1:444455556666:cluster:orders' }, ACCOUNT, 'all');

    const otherAccountField = claimFinding({ ...theirs, awsAccountId: '444455556666' }, ACCOUNT, 'all');

    expect(asMember).toMatchObject({ kind: 'refused', refusal: { kind: 'other-account', accountId: ACCOUNT_ID } });
    expect(otherAccountField).toMatchObject({ kind: 'refused', refusal: { kind: 'other-account', accountId: '444455556666' } });
    expect(foreignCluster).toMatchObject({ kind: 'refused', refusal: { kind: 'other-account', accountId: '444455556666' } });
  });

  it('refuses an archived finding and one in a Region the checker does not watch', () => {
    expect(claimFinding({ ...ownFinding(), recordState: 'ARCHIVED' }, ACCOUNT, 'all')).toMatchObject({ refusal: { kind: 'archived' } });
    expect(claimFinding(ownFinding(), ACCOUNT, ['us-east-1'])).toMatchObject({
      kind: 'refused',
      cluster: { region: 'eu-west-1', identifier: 'orders' },
      refusal: { kind: 'region-not-watched' },
    });
    expect(claimFinding(ownFinding(), ACCOUNT, ['eu-west-1'])).toMatchObject({ kind: 'cluster' });
  });
});

describe('planRaise: one ModifyDBCluster step, or a refusal with its reason', () => {
  it('raises a short window to the account minimum, applied immediately', () => {
    const c = cluster({ backtrackWindowSeconds: 2 * HOUR });

    expect(planRaise(claimed(c), evaluate(c, policy({ minWindowHours: 24 }), NOW))).toEqual({
      kind: 'modify',
      cluster: { region: 'eu-west-1', identifier: 'orders' },
      fromSeconds: 2 * HOUR,
      call: { DBClusterIdentifier: 'orders', BacktrackWindow: 24 * HOUR, ApplyImmediately: true },
      policySource: 'account',
    });
  });

  it('raises to the minimum the cluster’s policy tag sets, as the scan judges it', () => {
    const c = cluster({ backtrackWindowSeconds: 30 * HOUR, tags: { 'backtrack-check:min-window-hours': '48' } });

    expect(planRaise(claimed(c), evaluate(c, policy({ minWindowHours: 24 }), NOW))).toMatchObject({
      kind: 'modify',
      call: { BacktrackWindow: 48 * HOUR },
      policySource: 'tag',
    });
  });

  it.each([
    ['above', 48 * HOUR],
    ['exactly at', 24 * HOUR],
  ])('never lowers a window %s the minimum', (_name, window) => {
    const c = cluster({ backtrackWindowSeconds: window });

    expect(planRaise(claimed(c), evaluate(c, policy({ minWindowHours: 24 }), NOW))).toEqual({
      kind: 'refused',
      cluster: { region: 'eu-west-1', identifier: 'orders' },
      refusal: { kind: 'meets-policy', windowSeconds: window, requiredSeconds: 24 * HOUR, condition: 'ok' },
    });
  });

  it('refuses a cluster with Backtrack off, answering with the migrate command at the required window', () => {
    const c = cluster({ backtrackWindowSeconds: 0 });

    expect(planRaise(claimed(c), evaluate(c, policy({ minWindowHours: 36.5 }), NOW))).toEqual({
      kind: 'refused',
      cluster: { region: 'eu-west-1', identifier: 'orders' },
      refusal: {
        kind: 'backtrack-off',
        migrateCommand: 'aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 36.5',
      },
    });
  });

  it('suggests 24 h in the migrate command when the policy takes any enabled window', () => {
    const c = cluster({ backtrackWindowSeconds: undefined });

    expect(planRaise(claimed(c), evaluate(c, policy({ minWindowHours: 0 }), NOW))).toMatchObject({
      refusal: { kind: 'backtrack-off', migrateCommand: expect.stringMatching(/--window-hours 24$/) },
    });
  });

  it('refuses a cluster that cannot use Backtrack, with the verdict’s reason', () => {
    const c = cluster({ backtrackWindowSeconds: 0, globalClusterIdentifier: 'orders-global' });

    expect(planRaise(claimed(c), evaluate(c, policy(), NOW))).toMatchObject({
      kind: 'refused',
      refusal: { kind: 'not-applicable', reason: expect.stringContaining('global database') },
    });
  });

  it('refuses a cluster that is gone, and one re-created under the same name', () => {
    const c = cluster({ backtrackWindowSeconds: HOUR });
    const recreated = { ...c, resourceId: 'cluster-NEWONE' };

    expect(planRaise(claimed(c), undefined)).toMatchObject({ kind: 'refused', refusal: { kind: 'cluster-gone' } });
    expect(planRaise(claimed(c), evaluate(recreated, policy(), NOW))).toMatchObject({
      kind: 'refused',
      refusal: { kind: 'cluster-replaced' },
    });
  });
});

describe('migrateCommand', () => {
  it('quotes an identifier a shell would read otherwise and gives hours to two decimals', () => {
    expect(migrateCommand({ region: 'us-east-1', identifier: "it's" }, 90_000)).toBe(
      "aurora-backtrack-check migrate --cluster 'it'\\''s' --region us-east-1 --window-hours 25",
    );
    expect(migrateCommand({ region: 'us-east-1', identifier: 'a' }, 3_636)).toMatch(/--window-hours 1.01$/);
  });
});

describe('raiseEntry: the alert’s line for each outcome', () => {
  const orders = { region: 'eu-west-1', identifier: 'orders' };

  it('says what was raised, from and to, why that much, and the re-check', () => {
    const o: RaiseOutcome = {
      kind: 'raised',
      cluster: orders,
      fromSeconds: 2 * HOUR,
      toSeconds: 24 * HOUR,
      policySource: 'account',
      recheck: { kind: 'judged', status: 'PASSED' },
    };

    expect(raiseEntry(o)).toEqual({
      raised: true,
      cluster: orders,
      who: 'orders (eu-west-1)',
      text: 'window raised from 2 h to 24 h (the account policy), applied immediately; re-checked: PASSED',
      severity: 'INFORMATIONAL',
    });
  });

  it('gives a cluster without Backtrack the migrate command, as its fix', () => {
    const command = migrateCommand(orders, 24 * HOUR);
    const entry = raiseEntry({
      kind: 'refused',
      findingId: 'f',
      cluster: orders,
      refusal: { kind: 'backtrack-off', migrateCommand: command },
    });

    expect(entry).toMatchObject({ raised: false, who: 'orders (eu-west-1)', severity: 'LOW', fix: `orders (eu-west-1): ${command}` });
    expect(entry.text).toContain('cannot be turned on for an existing cluster');
    expect(entry.text).toContain(command);
  });

  it('names another product’s or account’s finding by its id, not as a cluster of this account', () => {
    const entry = raiseEntry({
      kind: 'refused',
      findingId: 'arn:x/1',
      cluster: orders,
      refusal: { kind: 'other-product', productName: 'Config' },
    });

    expect(entry).toEqual({
      raised: false,
      who: 'finding arn:x/1',
      text: 'not raised: not a finding of the Aurora Backtrack Checker (product "Config"): the action touches only the checker\'s own findings',
      severity: 'LOW',
    });
  });

  it('reports a ModifyDBCluster AWS refused as MEDIUM, with AWS’s words', () => {
    const entry = raiseEntry({
      kind: 'failed',
      cluster: orders,
      toSeconds: 24 * HOUR,
      cause: { code: 'InvalidDBClusterStateFault', message: 'cluster is not available' },
    });

    expect(entry).toMatchObject({ raised: false, severity: 'MEDIUM' });
    expect(entry.text).toBe(
      'raising the window to 24 h failed: InvalidDBClusterStateFault: cluster is not available; the next scan reports the window AWS has',
    );
  });

  it('says why a window that meets the policy is left as it is', () => {
    const entry = raiseEntry({
      kind: 'refused',
      findingId: 'f',
      cluster: orders,
      refusal: { kind: 'meets-policy', windowSeconds: 48 * HOUR, requiredSeconds: 24 * HOUR, condition: 'ok' },
    });

    expect(entry.text).toBe('not raised: its window of 48 h already meets the required 24 h; the action never lowers a window');
  });
});
