import 'aws-sdk-client-mock-jest';
import { DescribeDBClustersCommand, ModifyDBClusterCommand, type DBCluster, type ModifyDBClusterCommandInput } from '@aws-sdk/client-rds';
import { evaluate } from '../../lambda/core/evaluate';
import { toFinding, type Finding } from '../../lambda/core/finding';
import { toClusterFacts } from '../../lambda/aws/rds';
import { createHandler } from '../../lambda/handler';
import { chosenFindings, isRaiseActionEvent, raiseFromAction } from '../../lambda/raise-action';
import { UnrecognisedEventError } from '../../lambda/events';
import { runCheck } from '../../lambda/run';
import { ACCOUNT, ACCOUNT_ID, HOUR, NOW, POLICY } from './fixtures';
import { config, dbCluster, importedFindings, publishedMessages, world, type World } from './run-world';

const EU = config({ regions: ['eu-west-1'] });
const ACTION_ARN = `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:action/custom/RaiseBacktrack`;

/** The finding the checker wrote for a DescribeDBClusters entry, as Security Hub sends it back. */
function findingOf(c: DBCluster): Finding {
  const facts = toClusterFacts('eu-west-1', c);
  if ('rejected' in facts) throw new Error(facts.rejected.reason);
  return toFinding(evaluate(facts, POLICY, NOW), ACCOUNT, NOW, undefined);
}

/** The event Security Hub sends when a person chooses the custom action (Security Hub user guide, "EventBridge event formats"). */
function customActionEvent(findings: unknown[], actionArn = ACTION_ARN): Record<string, unknown> {
  return {
    version: '0',
    id: '1a1111a1-b22b-3c33-444d-5555e5ee5555',
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: ACCOUNT_ID,
    time: '2026-11-20T12:00:00Z',
    region: 'eu-west-1',
    resources: [actionArn],
    detail: {
      actionName: 'Raise Backtrack',
      actionDescription: 'Aurora Backtrack Checker: raise the Backtrack window',
      findings,
    },
  };
}

/** A world whose DescribeDBClusters answers from a list that ModifyDBCluster changes, as RDS does. */
function liveWorld(list: DBCluster[]): World {
  const w = world(['eu-west-1']);
  const rds = w.region('eu-west-1').rds;
  rds.on(DescribeDBClustersCommand).callsFake(() => ({ DBClusters: list.map((c) => ({ ...c })) }));
  rds.on(ModifyDBClusterCommand).callsFake((input: ModifyDBClusterCommandInput) => {
    const c = list.find((x) => x.DBClusterIdentifier === input.DBClusterIdentifier);
    if (!c) throw Object.assign(new Error(`DBCluster ${input.DBClusterIdentifier} not found`), { name: 'DBClusterNotFoundFault' });
    c.BacktrackWindow = input.BacktrackWindow;
    return { DBCluster: { ...c } };
  });
  return w;
}

const short = () => dbCluster('orders', { BacktrackWindow: 2 * HOUR });
const off = () => dbCluster('legacy', { BacktrackWindow: 0 });
const long = () => dbCluster('archive', { BacktrackWindow: 48 * HOUR });
const otherProduct = (c: DBCluster) => ({
  ...findingOf(c),
  Id: `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:subscription/aws-foundational-security-best-practices/v/1.0.0/RDS.14/finding/1`,
  ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
  GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/RDS.14',
  ProductName: 'Security Hub',
});

describe('the custom action event', () => {
  it('is recognised by its detail type, source and the action it names, not another action’s', () => {
    expect(isRaiseActionEvent(customActionEvent([]))).toBe(true);
    expect(isRaiseActionEvent(customActionEvent([], `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:action/custom/SendToJira`))).toBe(false);
    expect(isRaiseActionEvent({ ...customActionEvent([]), 'detail-type': 'Security Hub Findings - Imported' })).toBe(false);
  });

  it('reads each finding’s product, generator, account and cluster', () => {
    const [read] = chosenFindings(customActionEvent([findingOf(short())]));

    expect(read).toEqual({
      id: `aurora-backtrack-checker/${ACCOUNT_ID}/eu-west-1/cluster-ORDERS`,
      productArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:product/${ACCOUNT_ID}/default`,
      generatorId: 'aurora-backtrack-checker/backtrack-window',
      awsAccountId: ACCOUNT_ID,
      resourceType: 'AwsRdsDbCluster',
      resourceId: `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:cluster:orders`,
      clusterResourceId: 'cluster-ORDERS',
      recordState: 'ACTIVE',
      productName: 'Aurora Backtrack Checker',
    });
  });
});

describe('raiseFromAction', () => {
  it('raises only its own finding’s short window, to the policy minimum, applied immediately', async () => {
    const list = [short(), off(), long(), dbCluster('catalog', { BacktrackWindow: HOUR })];
    const w = liveWorld(list);
    const event = customActionEvent([findingOf(list[0]!), findingOf(list[1]!), findingOf(list[2]!), otherProduct(list[3]!)]);

    const result = await raiseFromAction(EU, w.deps, event);

    expect(w.region('eu-west-1').rds).toHaveReceivedCommandTimes(ModifyDBClusterCommand, 1);
    expect(w.region('eu-west-1').rds).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders',
      BacktrackWindow: 24 * HOUR,
      ApplyImmediately: true,
    });
    expect(result.outcomes.map((o) => [o.kind, o.kind === 'refused' ? o.refusal.kind : undefined])).toEqual([
      ['raised', undefined],
      ['refused', 'backtrack-off'],
      ['refused', 'meets-policy'],
      ['refused', 'other-product'],
    ]);
    expect(list.map((c) => c.BacktrackWindow)).toEqual([24 * HOUR, 0, 48 * HOUR, HOUR]);
  });

  it('re-checks the raised cluster the way a CloudTrail event does: its finding turns PASSED', async () => {
    const list = [short()];
    const w = liveWorld(list);
    await runCheck(EU, w.deps);
    w.region('eu-west-1').sh.resetHistory();

    const result = await raiseFromAction(EU, w.deps, customActionEvent([findingOf(list[0]!)]));

    expect(result.outcomes[0]).toMatchObject({ kind: 'raised', recheck: { kind: 'judged', status: 'PASSED' } });
    expect(result.rechecks).toHaveLength(1);
    expect(importedFindings(w.region('eu-west-1').sh).map((f) => [f.Title, f.Compliance?.Status])).toEqual([
      ['Aurora Backtrack window meets policy: orders', 'PASSED'],
    ]);
  });

  it('reports in one alert what it raised, what it did not and why, with the migrate command to run', async () => {
    const list = [short(), off()];
    const w = liveWorld(list);

    const result = await raiseFromAction(EU, w.deps, customActionEvent([findingOf(list[0]!), findingOf(list[1]!)]));

    const messages = publishedMessages(w.sns);
    const action = messages.find((m) => m.body.email.includes('RAISED BY THE SECURITY HUB ACTION'));
    expect(result.alert).toMatchObject({
      published: true,
      subject: `Aurora Backtrack: 1 window raised, 1 not raised (account ${ACCOUNT_ID})`,
    });
    expect(action?.body.email).toContain(
      '- orders (eu-west-1): window raised from 2 h to 24 h (the account policy), applied immediately; re-checked: PASSED',
    );
    expect(action?.body.email).toContain('NOT RAISED BY THE SECURITY HUB ACTION (1)');
    expect(action?.body.email).toContain('aurora-backtrack-check migrate --cluster legacy --region eu-west-1 --window-hours 24');
    const card = JSON.parse(action?.body.default ?? '{}') as { content: { nextSteps?: string[] } };
    expect(card.content.nextSteps).toEqual([
      'legacy (eu-west-1): aurora-backtrack-check migrate --cluster legacy --region eu-west-1 --window-hours 24',
    ]);
    expect(action?.input.MessageAttributes?.event?.StringValue).toBe('["window-raised","raise-refused"]');
  });

  it('reports a ModifyDBCluster AWS refused, with AWS’s words, as MEDIUM, and re-checks nothing', async () => {
    const list = [short()];
    const w = liveWorld(list);
    w.region('eu-west-1')
      .rds.on(ModifyDBClusterCommand)
      .rejects(Object.assign(new Error('DB cluster is not in available state'), { name: 'InvalidDBClusterStateFault' }));

    const result = await raiseFromAction(EU, w.deps, customActionEvent([findingOf(list[0]!)]));

    expect(result.outcomes).toEqual([
      {
        kind: 'failed',
        cluster: { region: 'eu-west-1', identifier: 'orders' },
        toSeconds: 24 * HOUR,
        cause: { code: 'InvalidDBClusterStateFault', message: 'DB cluster is not in available state' },
      },
    ]);
    expect(result.rechecks).toEqual([]);
    expect(publishedMessages(w.sns).at(-1)?.input.MessageAttributes?.severity?.StringValue).toBe('MEDIUM');
  });

  it('acts on one account only: another account’s finding of the same shape is refused', async () => {
    const list = [short()];
    const w = liveWorld(list);
    const theirs = { ...findingOf(list[0]!), AwsAccountId: '444455556666' };

    const result = await raiseFromAction(EU, w.deps, customActionEvent([theirs]));

    expect(w.region('eu-west-1').rds).not.toHaveReceivedCommand(ModifyDBClusterCommand);
    expect(result.outcomes).toMatchObject([{ kind: 'refused', refusal: { kind: 'other-account', accountId: '444455556666' } }]);
  });
});

describe('the handler', () => {
  it('runs the action on its event and refuses another custom action’s event', async () => {
    const list = [short()];
    const w = liveWorld(list);
    const handle = createHandler(() => w.deps);
    const env = process.env;
    process.env = { ...env, REGIONS: 'eu-west-1', ALERT_TOPIC_ARN: EU.alertTopicArn, STATE_TABLE: 'state' };
    try {
      const result = await handle(customActionEvent([findingOf(list[0]!)]));
      const other = handle(
        customActionEvent([findingOf(list[0]!)], `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:action/custom/SendToJira`),
      );

      expect(result).toMatchObject({ mode: 'raise-window', outcomes: [{ kind: 'raised' }] });
      await expect(other).rejects.toThrow(UnrecognisedEventError);
    } finally {
      process.env = env;
    }
  });
});
