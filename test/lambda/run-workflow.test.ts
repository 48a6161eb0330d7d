/**
 * runCheck and a finding's workflow: a run without persistent state never changes it; a run with
 * a state table re-asserts what it remembers when someone else suppressed or resolved a failing
 * cluster's finding.
 */
import 'aws-sdk-client-mock-jest';
import { BatchUpdateFindingsCommand, GetFindingsCommand, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { PublishCommand } from '@aws-sdk/client-sns';
import { findingId, GENERATOR_ID, productArn } from '../../lambda/core/finding';
import { isDegraded, runCheck } from '../../lambda/run';
import { ACCOUNT_ID, DAY_MS, NOW } from './fixtures';
import { config, dbCluster, publishedMessages, world } from './run-world';

const REGION = 'eu-west-1';
const PRODUCT = productArn('aws', REGION, ACCOUNT_ID);
const exempt = [{ Key: 'backtrack-check:exempt', Value: 'true' }];
const SET_BACK_LINE = '- orders (eu-west-1): its finding was SUPPRESSED outside the checker; set back to NEW';
const RECHECK_ORDERS = { mode: 'recheck' as const, region: REGION, identifier: 'orders', trigger: 'ModifyDBCluster' };
const idOf = (name: string) => findingId(ACCOUNT_ID, REGION, `cluster-${name.toUpperCase()}`);

/** A finding of the checker as GetFindings returns it. */
const shown = (name: string, workflow: string, compliance = 'FAILED'): AwsSecurityFinding =>
  ({
    Id: idOf(name),
    ProductArn: PRODUCT,
    GeneratorId: GENERATOR_ID,
    RecordState: 'ACTIVE',
    Compliance: { Status: compliance },
    Workflow: { Status: workflow },
  }) as AwsSecurityFinding;

const updates = (w: ReturnType<typeof world>) =>
  w
    .region(REGION)
    .sh.commandCalls(BatchUpdateFindingsCommand)
    .map((c) => ({
      status: c.args[0].input.Workflow?.Status,
      ids: (c.args[0].input.FindingIdentifiers ?? []).map((f) => f.Id),
      note: c.args[0].input.Note?.Text,
    }));

/** A world whose first run (with the state table) has set every workflow; history reset after it. */
async function afterFirstRun(
  clusters = [dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('legacy', { BacktrackWindow: 0, TagList: exempt })],
) {
  const w = world([REGION]);
  w.clusters(REGION, clusters);
  await runCheck(config({ regions: [REGION] }), w.deps);
  w.region(REGION).sh.resetHistory();
  w.sns.resetHistory();
  w.setNow(new Date(NOW.getTime() + DAY_MS));
  return w;
}

describe('runCheck without persistent state (scan --accounts, scan without --state-table)', () => {
  it('sets no workflow for an exempt cluster: it cannot tell a new exemption from one whose cap has run out', async () => {
    const w = world([REGION]);
    w.clusters(REGION, [dbCluster('legacy', { BacktrackWindow: 0, TagList: exempt })]);

    const summary = await runCheck(config({ regions: [REGION], alertTopicArn: undefined }), { ...w.deps, persistentState: false });

    expect(w.region(REGION).sh).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 0);
    expect(w.region(REGION).sh).toHaveReceivedCommandTimes(GetFindingsCommand, 0);
    expect(isDegraded(summary)).toBe(false);
  });
});

describe('runCheck with a state table: the workflow it remembers is re-asserted', () => {
  it('asks Security Hub only for its own ACTIVE failing findings that are SUPPRESSED or RESOLVED, once per Region', async () => {
    const w = await afterFirstRun();

    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(w.region(REGION).sh).toHaveReceivedCommandTimes(GetFindingsCommand, 1);
    expect(w.region(REGION).sh).toHaveReceivedCommandWith(GetFindingsCommand, {
      MaxResults: 100,
      Filters: {
        ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: GENERATOR_ID, Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        ComplianceStatus: [
          { Value: 'FAILED', Comparison: 'EQUALS' },
          { Value: 'WARNING', Comparison: 'EQUALS' },
        ],
        WorkflowStatus: [
          { Value: 'SUPPRESSED', Comparison: 'EQUALS' },
          { Value: 'RESOLVED', Comparison: 'EQUALS' },
        ],
      },
    });
    expect(updates(w)).toEqual([]);
  });

  it('sets a failing, non-exempt cluster suppressed by hand back to NEW with a note saying so, and counts and logs it', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolves({ Findings: [shown('orders', 'SUPPRESSED'), shown('legacy', 'SUPPRESSED')] });

    const summary = await runCheck(config({ regions: [REGION] }), w.deps);

    expect(updates(w)).toEqual([
      {
        status: 'NEW',
        ids: [idOf('orders')],
        note: 'Workflow SUPPRESSED set outside aurora-backtrack-checker; re-asserted as NEW: the cluster still fails the Backtrack check and has no active exemption (only the exemption tag suppresses this finding).',
      },
    ]);
    expect(summary.regions[0]?.reasserted).toBe(1);
    expect(w.log.warn).toHaveBeenCalledWith('finding workflow set outside the checker re-asserted', {
      region: REGION,
      reasserted: 1,
      findings: [idOf('orders')],
    });
    expect(isDegraded(summary)).toBe(false);
  });

  it('sets an exempt cluster resolved by hand back to SUPPRESSED with its exemption note', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolves({ Findings: [shown('legacy', 'RESOLVED')] });

    await runCheck(config({ regions: [REGION] }), w.deps);

    const [call] = updates(w);
    expect(call?.status).toBe('SUPPRESSED');
    expect(call?.ids).toEqual([idOf('legacy')]);
    expect(call?.note).toMatch(
      /^Workflow RESOLVED set outside aurora-backtrack-checker; re-asserted as SUPPRESSED: Exempt from the Backtrack check/,
    );
  });

  it('leaves alone what Security Hub returns beyond its filter: a passing finding, another product, a cluster it does not know', async () => {
    const w = await afterFirstRun([dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('fine')]);
    const other = { ...shown('orders', 'SUPPRESSED'), ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' };
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolves({ Findings: [shown('fine', 'SUPPRESSED', 'PASSED'), other, shown('ghost', 'SUPPRESSED')] });

    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(updates(w)).toEqual([]);
  });

  it('reads every page, paced, and re-asserts the hidden findings of all of them', async () => {
    const w = await afterFirstRun([dbCluster('orders', { BacktrackWindow: 0 }), dbCluster('billing', { BacktrackWindow: 0 })]);
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('orders', 'RESOLVED')], NextToken: 'page-2' })
      .resolvesOnce({ Findings: [shown('billing', 'SUPPRESSED')] });

    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(w.region(REGION).sh).toHaveReceivedNthSpecificCommandWith(2, GetFindingsCommand, { NextToken: 'page-2' });
    expect(
      updates(w)
        .flatMap((u) => u.ids)
        .sort(),
    ).toEqual([idOf('billing'), idOf('orders')].sort());
  });

  it('asks nothing when the Region has no failing cluster, and nothing on a run that set every workflow itself', async () => {
    const passing = world([REGION]);
    passing.clusters(REGION, [dbCluster('fine')]);
    await runCheck(config({ regions: [REGION] }), passing.deps);
    await runCheck(config({ regions: [REGION] }), passing.deps);

    const first = world([REGION]);
    first.clusters(REGION, [dbCluster('orders', { BacktrackWindow: 0 })]);
    await runCheck(config({ regions: [REGION] }), first.deps);

    expect(passing.region(REGION).sh).toHaveReceivedCommandTimes(GetFindingsCommand, 0);
    expect(first.region(REGION).sh).toHaveReceivedCommandTimes(GetFindingsCommand, 0);
  });

  it('reports a GetFindings failure as a degradation that says what was not checked', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    const summary = await runCheck(config({ regions: [REGION] }), w.deps);

    expect(summary.degraded.map((d) => d.key)).toContain(`workflow-not-checked#${REGION}`);
    expect(summary.degraded.find((d) => d.key === `workflow-not-checked#${REGION}`)?.message).toContain(
      "a failing cluster's finding suppressed or resolved outside the checker is not reopened this run",
    );
    expect(updates(w)).toEqual([]);
  });
});

describe('runCheck with a state table: the alert names each finding it set back', () => {
  it('names a failing cluster suppressed by hand in one line of one alert, and a second run that finds nothing hidden is silent', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('orders', 'SUPPRESSED')] })
      .resolves({ Findings: [] });

    await runCheck(config({ regions: [REGION] }), w.deps);

    const [message, ...more] = publishedMessages(w.sns);
    expect(more).toEqual([]);
    expect(message?.input.Subject).toBe(`Aurora Backtrack: 1 hidden finding set back (account ${ACCOUNT_ID})`);
    expect(message?.body.email.split(SET_BACK_LINE).length).toBe(2);
    expect(message?.body.email).not.toContain('legacy');
    expect(message?.input.MessageAttributes?.['event']?.StringValue).toBe('["workflow-reasserted"]');
    expect(message?.input.MessageAttributes?.['severity']?.StringValue).toBe('MEDIUM');

    w.sns.resetHistory();
    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(publishedMessages(w.sns)).toEqual([]);
  });

  it('names a finding set back in the next scan’s alert when SNS did not take this one (Security Hub no longer shows it hidden)', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('orders', 'SUPPRESSED')] })
      .resolves({ Findings: [] });
    w.sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));

    const failed = await runCheck(config({ regions: [REGION] }), w.deps);
    w.sns.resetHistory();
    w.sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(failed.alert?.published).toBe(false);
    const [message, ...more] = publishedMessages(w.sns);
    expect(more).toEqual([]);
    expect(message?.body.email).toContain(`\n${SET_BACK_LINE}\n`);

    w.sns.resetHistory();
    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(publishedMessages(w.sns)).toEqual([]);
  });

  it('keeps a line not sent through a reminder run, for the next scan to name', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('orders', 'SUPPRESSED')] })
      .resolves({ Findings: [] });
    w.sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));
    await runCheck(config({ regions: [REGION] }), w.deps);
    w.sns.on(PublishCommand).resolves({ MessageId: 'm-2' });

    const reminder = await runCheck(config({ regions: [REGION] }), w.deps, { mode: 'reminder' });
    w.sns.resetHistory();
    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(reminder.alert?.published).toBe(true);
    expect(publishedMessages(w.sns)[0]?.body.email).toContain(SET_BACK_LINE);
  });

  it('keeps a line a re-check could not send, for the next scan to name', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolvesOnce({ Findings: [shown('orders', 'SUPPRESSED')] })
      .resolves({ Findings: [] });
    w.sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));

    const recheck = await runCheck(config({ regions: [REGION] }), w.deps, RECHECK_ORDERS);
    w.sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    w.sns.resetHistory();
    await runCheck(config({ regions: [REGION] }), w.deps);

    expect(recheck.alert?.published).toBe(false);
    expect(publishedMessages(w.sns)[0]?.body.email).toContain(SET_BACK_LINE);
  });

  it('does not name a finding Security Hub refused to set back: that is the degradation alerted instead', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolves({ Findings: [shown('orders', 'SUPPRESSED')] });
    w.region(REGION)
      .sh.on(BatchUpdateFindingsCommand)
      .resolves({
        ProcessedFindings: [],
        UnprocessedFindings: [
          { FindingIdentifier: { Id: idOf('orders'), ProductArn: PRODUCT }, ErrorCode: 'AccessDenied', ErrorMessage: 'no' },
        ],
      });

    await runCheck(config({ regions: [REGION] }), w.deps);

    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).toContain('CHECKER DEGRADED');
    expect(message?.body.email).not.toContain('set back to NEW');
  });

  it('a re-check that sets a hidden finding back names it in its alert', async () => {
    const w = await afterFirstRun();
    w.region(REGION)
      .sh.on(GetFindingsCommand)
      .resolves({ Findings: [shown('orders', 'SUPPRESSED')] });

    await runCheck(config({ regions: [REGION] }), w.deps, RECHECK_ORDERS);

    const [message] = publishedMessages(w.sns);
    expect(message?.body.email).toContain(SET_BACK_LINE);
  });
});
