import { RECHECK_EVENT_NAMES, toRequest, UnrecognisedEventError } from '../../lambda/events';

const ARN_PREFIX = 'arn:aws:rds:eu-west-1:111122223333';

/** An EventBridge "AWS API Call via CloudTrail" event from RDS. */
const cloudTrail = (eventName: string, requestParameters: Record<string, unknown>, detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.rds',
  account: '111122223333',
  time: '2026-11-20T12:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { eventSource: 'rds.amazonaws.com', eventName, awsRegion: 'eu-west-1', requestParameters, ...detail },
});

describe('toRequest', () => {
  it.each(['scan', 'reminder'] as const)('reads the scheduled {"mode":"%s"}', (mode) => {
    expect(toRequest({ mode })).toEqual({ mode });
  });

  it.each(RECHECK_EVENT_NAMES.filter((n) => n !== 'AddTagsToResource' && n !== 'RemoveTagsFromResource'))(
    '%s re-checks the cluster named in the request',
    (eventName) => {
      expect(toRequest(cloudTrail(eventName, { dBClusterIdentifier: 'orders' }))).toEqual({
        mode: 'recheck',
        region: 'eu-west-1',
        identifier: 'orders',
        trigger: eventName,
      });
    },
  );

  it('re-checks a renamed cluster under its new name', () => {
    const event = cloudTrail('ModifyDBCluster', {
      dBClusterIdentifier: 'orders',
      newDBClusterIdentifier: 'orders-v2',
      applyImmediately: true,
    });

    expect(toRequest(event)).toMatchObject({ mode: 'recheck', identifier: 'orders-v2' });
  });

  it.each(['AddTagsToResource', 'RemoveTagsFromResource'])('%s on a cluster ARN re-checks that cluster', (eventName) => {
    const event = cloudTrail(eventName, {
      resourceName: `${ARN_PREFIX}:cluster:orders`,
      tags: [{ key: 'backtrack-check:exempt', value: 'true' }],
    });

    expect(toRequest(event)).toEqual({ mode: 'recheck', region: 'eu-west-1', identifier: 'orders', trigger: eventName });
  });

  it('ignores a tag change on a DB instance', () => {
    expect(toRequest(cloudTrail('AddTagsToResource', { resourceName: `${ARN_PREFIX}:db:orders-1` }))).toBeUndefined();
  });

  it('ignores a call that failed (errorCode set)', () => {
    const event = cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'orders' }, { errorCode: 'InvalidParameterCombination' });

    expect(toRequest(event)).toBeUndefined();
  });

  it('ignores RDS calls that cannot change a verdict', () => {
    expect(toRequest(cloudTrail('CreateDBInstance', { dBInstanceIdentifier: 'orders-2', dBClusterIdentifier: 'orders' }))).toBeUndefined();
  });

  it('ignores an event without a cluster identifier', () => {
    expect(toRequest(cloudTrail('ModifyDBCluster', {}))).toBeUndefined();
  });

  it('takes the Region from the event when the detail has none', () => {
    const event = cloudTrail('DeleteDBCluster', { dBClusterIdentifier: 'orders' }, { awsRegion: undefined });

    expect(toRequest({ ...event, region: 'ap-southeast-2' })).toMatchObject({ region: 'ap-southeast-2' });
  });

  it.each([
    ['an unknown mode', { mode: 'audit' }],
    ['an event from another service', { ...cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'x' }), source: 'aws.ec2' }],
    ['another detail type', { ...cloudTrail('ModifyDBCluster', { dBClusterIdentifier: 'x' }), 'detail-type': 'RDS DB Cluster Event' }],
    ['null', null],
    ['a string', 'scan'],
  ])('rejects %s with UnrecognisedEventError naming what is expected', (_name, event) => {
    expect(() => toRequest(event)).toThrow(UnrecognisedEventError);
    expect(() => toRequest(event)).toThrow(/expected \{"mode":"scan"\}/);
  });
});
