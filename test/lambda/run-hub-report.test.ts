import 'aws-sdk-client-mock-jest';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../../lambda/core/alert';
import type { RunCompletedDetail } from '../../lambda/core/coverage';
import { runCheck } from '../../lambda/run';
import { ACCOUNT_ID, DAY_MS, NOW } from './fixtures';
import { config, dbCluster, world } from './run-world';

const BUS = 'arn:aws:events:eu-west-1:999988887777:event-bus/aurora-backtrack-checker-hub';
const LATER = new Date(NOW.getTime() + DAY_MS / 2);

function memberWorld() {
  const w = world();
  const reports: { busArn: string; detail: RunCompletedDetail }[] = [];
  const tellHub = jest.fn((busArn: string, detail: RunCompletedDetail) => {
    reports.push({ busArn, detail });
    return Promise.resolve();
  });
  w.deps.tellHub = tellHub;
  // A member's alerts go to the same bus ("Checker alert" events), never to a topic.
  const alerts: AlertMessage[] = [];
  w.deps.alertHub = (_busArn, message) => {
    alerts.push(message);
    return Promise.resolve(`event-${alerts.length}`);
  };
  w.clusters('eu-west-1', [
    dbCluster('orders', { BacktrackWindow: 0 }),
    dbCluster('catalog'),
    dbCluster('billing', { BacktrackWindow: 3_600 }),
  ]);
  return { w, reports, tellHub, alerts };
}

describe('runCheck: the member tells the hub after every scan', () => {
  it("sends the account, the run's end and its verdict and degradation counts to the hub's bus", async () => {
    const { w, reports } = memberWorld();

    await runCheck(config({ hubEventBusArn: BUS, regions: ['eu-west-1'] }), w.deps);

    expect(reports).toEqual([
      {
        busArn: BUS,
        detail: {
          accountId: ACCOUNT_ID,
          finishedAt: NOW.toISOString(),
          degraded: 0,
          verdicts: { failed: 2, warning: 0, passed: 1, notAvailable: 0 },
        },
      },
    ]);
  });

  it('tells the hub again on a scan where nothing changed (the report is a heartbeat, not an alert)', async () => {
    const { w, tellHub, alerts } = memberWorld();
    await runCheck(config({ hubEventBusArn: BUS }), w.deps);
    w.setNow(LATER);

    await runCheck(config({ hubEventBusArn: BUS }), w.deps);

    expect(tellHub).toHaveBeenCalledTimes(2);
    expect(alerts).toHaveLength(1);
    expect(w.sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('tells no hub without a bus (a single-account deployment)', async () => {
    const { w, tellHub } = memberWorld();

    await runCheck(config(), w.deps);

    expect(tellHub).not.toHaveBeenCalled();
  });

  it('reports a refused report as a degradation in the run and its alert, once, and never fails the run', async () => {
    const { w, tellHub, alerts } = memberWorld();
    tellHub.mockRejectedValue(Object.assign(new Error('not authorized to perform: events:PutEvents'), { name: 'AccessDeniedException' }));

    const first = await runCheck(config({ hubEventBusArn: BUS }), w.deps);
    w.setNow(LATER);
    const second = await runCheck(config({ hubEventBusArn: BUS }), w.deps);

    expect(first.degraded).toEqual([
      {
        key: 'hub-not-told',
        message:
          "the hub's event bus was not told of this run (AccessDeniedException: not authorized to perform: events:PutEvents); the hub's coverage check may report this account as uncovered",
      },
    ]);
    expect(alerts[0]?.email).toContain("the hub's event bus was not told of this run");
    expect(second.degraded.map((d) => d.key)).toEqual(['hub-not-told']);
    expect(second.alert).toBeUndefined();
  });
});
