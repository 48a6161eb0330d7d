/**
 * The member's report end to end: the bundled checker (invoke-local) in member mode sends its
 * "Checker run completed" event with EventBridge PutEvents to the hub's bus on moto, where a rule
 * hands it to an SQS queue the test reads; a bus that does not exist is a degradation of the run.
 */
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatedAws } from '../../emulator';
import { SAMPLE_ACCOUNT } from '../../emulator/sample-account';
import { RUN_COMPLETED, type RunCompletedDetail } from '../../lambda/core/coverage';
import { ENV_NAMES } from '../../lambda/settings/schema';
import { freshAccount, useEmulatedAws } from './emulated-account';
import { runHandler } from './shells';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const ACCOUNT = SAMPLE_ACCOUNT.filter((c) => c.region === REGION);
const BUS = 'aurora-backtrack-checker-hub';

let aws: EmulatedAws;
useEmulatedAws((started) => (aws = started));

/** The hub's bus with a rule that copies the members' reports into a queue. */
interface DeliveredReport {
  source: string;
  'detail-type': string;
  account?: string;
  detail: RunCompletedDetail;
}

async function hubBus(): Promise<{ busArn: string; received: () => Promise<DeliveredReport[]> }> {
  const events = new EventBridgeClient(aws.clientConfig(REGION));
  const sqs = new SQSClient(aws.clientConfig(REGION));
  const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: BUS }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'hub-reports' }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(
    new PutRuleCommand({
      Name: 'reports',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: [RUN_COMPLETED.source], 'detail-type': [RUN_COMPLETED.detailType] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'reports', EventBusName: BUS, Targets: [{ Id: 'queue', Arn: attrs.Attributes?.QueueArn }] }),
  );
  return {
    busArn: EventBusArn as string,
    received: async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as DeliveredReport);
    },
  };
}

describe('member mode, end to end', () => {
  it("puts one report with the run's counts on the hub's bus after a scan", async () => {
    const d = await freshAccount(aws, ACCOUNT, { homeRegion: REGION });
    const hub = await hubBus();

    const run = await runHandler(d, 'scan', { [ENV_NAMES.hubEventBusArn]: hub.busArn });

    expect(run.json.ok).toBe(true);
    expect(run.json.result?.degraded).toEqual([]);
    const reports = await hub.received();
    expect(reports).toHaveLength(1);
    const totals = run.json.result?.totals as { failed: number; warning: number; passed: number; notAvailable: number };
    expect(reports[0]).toMatchObject({
      source: RUN_COMPLETED.source,
      'detail-type': RUN_COMPLETED.detailType,
      // moto leaves out the envelope's `account` (AWS sets it to the sender, which the hub trusts);
      // the coverage function's own end-to-end test delivers events as AWS does.
      detail: {
        accountId: aws.accountId,
        degraded: 0,
        verdicts: { failed: totals.failed, warning: totals.warning, passed: totals.passed, notAvailable: totals.notAvailable },
      },
    });
  });

  it('reports a bus that does not take the event as a degradation of the run, which still finishes', async () => {
    const d = await freshAccount(aws, ACCOUNT, { homeRegion: REGION });
    const missing = `arn:aws:events:${REGION}:${aws.accountId}:event-bus/no-such-bus`;

    const run = await runHandler(d, 'scan', { [ENV_NAMES.hubEventBusArn]: missing });

    expect(run.json.ok).toBe(true);
    expect(run.json.result?.degraded).toEqual([expect.objectContaining({ key: 'hub-not-told' })]);
    // A member's alert goes to the same bus, so it is not delivered either: the run says so, and never uses a topic.
    const alert = run.json.result?.alert as { published: boolean; error?: string; message: { default: string } } | undefined;
    expect(alert).toMatchObject({ published: false, error: expect.stringContaining('no-such-bus') as unknown });
    expect((JSON.parse(alert?.message.default ?? '{}') as { content: { description: string } }).content.description).toContain(
      "the hub's event bus was not told of this run",
    );
    expect(await d.drainAlerts()).toEqual([]);
  });
});
