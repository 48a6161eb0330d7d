import 'aws-sdk-client-mock-jest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationResponse } from '../../../lambda/aws/cloudformation-response';
import type { CoverageStore } from '../../../lambda/aws/coverage-store';
import { createCoverageHandler } from '../../../lambda/coverage/handler';
import type { CoverageDeps } from '../../../lambda/coverage/run';
import { COVERAGE_ENV } from '../../../lambda/coverage/settings';

const saved = { ...process.env };
beforeEach(() => {
  Object.assign(process.env, { [COVERAGE_ENV.table]: 'coverage', [COVERAGE_ENV.schedulePeriodSeconds]: '43200',
    [COVERAGE_ENV.targetParentIds]: 'ou-ab12-cdef3456',
  });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
});

/** A store where no member has reported yet (the hub's first deploy). */
const emptyStore = (): CoverageStore =>
  ({
    recordReport: () => Promise.resolve(),
    lastSeen: () => Promise.resolve(new Map()),
    cachedAccounts: () => Promise.resolve(undefined),
    saveAccounts: () => Promise.resolve(),
    alertedUncovered: () => Promise.resolve([]),
    saveAlertedUncovered: () => Promise.resolve(),
    firstListed: () => Promise.resolve(new Map()),
    recordFirstListed: () => Promise.resolve(),
  });

function hub(listAccounts: CoverageDeps['listAccounts']) {
  const cloudWatch = new CloudWatchClient({ region: 'eu-west-1' });
  const cw = mockClient(cloudWatch);
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'own', Values: [2] }] });
  const answers: CloudFormationResponse[] = [];
  const deps: CoverageDeps = { now: () => new Date(), store: emptyStore(), listAccounts, log: { info: jest.fn(), warn: jest.fn(), error: jest.fn() } };
  const handler = createCoverageHandler(() => deps, {
    respond: (_url, r) => {
      answers.push(r);
      return Promise.resolve();
    },
    cloudWatch: () => cloudWatch,
  });
  return { handler, answers, cw };
}

const create = {
  RequestType: 'Create',
  ResponseURL: 'https://example.s3.amazonaws.com/x?X-Amz-Signature=s',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/hub/1',
  RequestId: 'req-1',
  LogicalResourceId: 'CoverageFirstCheck',
};

describe('the coverage function on deploy', () => {
  it('runs one coverage check on Create, waits for its metrics, then answers SUCCESS', async () => {
    const { handler, answers, cw } = hub(() => Promise.resolve([{ id: '222222222222' }, { id: '333333333333' }]));

    await handler(create);

    expect(cw).toHaveReceivedCommand(GetMetricDataCommand);
    expect(answers.map((a) => [a.Status, a.RequestId, a.LogicalResourceId])).toEqual([['SUCCESS', 'req-1', 'CoverageFirstCheck']]);
    expect(answers[0]?.Reason).toMatch(/^first coverage check: 0 of 2 ACTIVE accounts covered, 2 deploying; CoverageCheckCompleted datapoint visible$/);
  });

  it('answers FAILED with the reason when the check cannot be made', async () => {
    const { handler, answers } = hub(() => Promise.reject(new Error('AccessDenied: organizations:ListAccounts')));

    await handler(create);

    expect(answers[0]?.Status).toBe('FAILED');
    expect(answers[0]?.Reason).toContain('AccessDenied');
  });
});
