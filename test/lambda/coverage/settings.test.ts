import { COVERAGE_ENV, coverageEnvironment, readCoverageEnvironment } from '../../../lambda/coverage/settings';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const env = (over: Record<string, string | undefined> = {}) => ({
  [COVERAGE_ENV.table]: 'coverage',
  [COVERAGE_ENV.topicArn]: TOPIC,
  [COVERAGE_ENV.schedulePeriodSeconds]: '43200',
  [COVERAGE_ENV.targetParentIds]: 'ou-ab12-cdef3456',
  ...over,
});

describe('readCoverageEnvironment', () => {
  it('reads what the hub stack writes, in milliseconds, with the account list kept an hour and a grace of two periods by default', () => {
    const written = coverageEnvironment({
      table: 'coverage',
      topicArn: TOPIC,
      schedulePeriodSeconds: 43_200,
      targetParentIds: ['ou-ab12-cdef3456', 'r-ab12'],
    });

    expect(readCoverageEnvironment(written)).toEqual({
      table: 'coverage',
      topicArn: TOPIC,
      schedulePeriodMs: 43_200_000,
      accountsCacheMs: 3_600_000,
      targetParentIds: ['ou-ab12-cdef3456', 'r-ab12'],
      graceMs: 86_400_000,
    });
  });

  it('takes a grace period of its own, zero included', () => {
    expect(readCoverageEnvironment(env({ [COVERAGE_ENV.graceSeconds]: '0' })).graceMs).toBe(0);
    expect(readCoverageEnvironment(env({ [COVERAGE_ENV.graceSeconds]: '5' })).graceMs).toBe(5_000);
  });

  it('refuses missing target OUs, and names each target that is not an OU or root id', () => {
    expect(() => readCoverageEnvironment(env({ [COVERAGE_ENV.targetParentIds]: undefined }))).toThrow(
      'TARGET_PARENT_IDS: "" — use the StackSet\'s target OU ids (ou-xxxx-yyyyyyyy) or root id (r-xxxx), comma-separated',
    );
    expect(() => readCoverageEnvironment(env({ [COVERAGE_ENV.targetParentIds]: 'ou-ab12-cdef3456, 123456789012,r-AB12' }))).toThrow(
      'TARGET_PARENT_IDS: "123456789012", "r-AB12" — use',
    );
  });

  it('takes a period of one second and refuses zero', () => {
    expect(readCoverageEnvironment(env({ [COVERAGE_ENV.schedulePeriodSeconds]: '1' })).schedulePeriodMs).toBe(1_000);
    expect(() => readCoverageEnvironment(env({ [COVERAGE_ENV.schedulePeriodSeconds]: '0' }))).toThrow(
      'SCHEDULE_PERIOD_SECONDS: "0" — use a whole number of seconds, at least 1',
    );
  });

  it('takes an account cache of zero (always ask Organizations)', () => {
    expect(readCoverageEnvironment(env({ [COVERAGE_ENV.accountsCacheSeconds]: '0' })).accountsCacheMs).toBe(0);
  });

  it('computes without publishing when no topic is set', () => {
    expect(readCoverageEnvironment(env({ [COVERAGE_ENV.topicArn]: undefined }))).not.toHaveProperty('topicArn');
  });

  it('names every bad variable at once, with the value and the fix', () => {
    expect(() =>
      readCoverageEnvironment({ [COVERAGE_ENV.table]: 'x', [COVERAGE_ENV.topicArn]: 'alerts', [COVERAGE_ENV.schedulePeriodSeconds]: '12h' }),
    ).toThrow(
      [
        'Invalid coverage function configuration:',
        '  - COVERAGE_TABLE: "x" — set the hub\'s coverage table name (3–255 of a-z A-Z 0-9 _ . -)',
        '  - COVERAGE_TOPIC_ARN: "alerts" — use the organization\'s alert topic ARN, or leave it unset',
        '  - SCHEDULE_PERIOD_SECONDS: "12h" — use a whole number of seconds, at least 1',
      ].join('\n'),
    );
  });
});
