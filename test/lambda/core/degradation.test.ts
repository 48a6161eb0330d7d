import {
  degradationChange,
  degradationKey,
  degradationKeysToRemember,
  degradationReport,
  degradationSentence,
  findingsDegradation,
  recoveredSentence,
  type Degradation,
} from '../../../lambda/core/degradation';

const DENIED = { code: 'AccessDenied', message: 'not authorized' };
const notScanned = (region: string): Degradation => ({ kind: 'region-not-scanned', region, cause: DENIED });

describe('degradationKey', () => {
  // The key is persisted in the run-meta item: a key this version writes differently would alert
  // every remembered problem again and announce it as recovered.
  it.each<[Degradation, string]>([
    [notScanned('eu-west-3'), 'region-not-scanned#eu-west-3'],
    [{ kind: 'clusters-unreadable', region: 'eu-west-1', count: 2, firstReason: 'x' }, 'clusters-unreadable#eu-west-1'],
    [{ kind: 'metrics-unavailable', region: 'eu-west-1', cause: DENIED }, 'metrics-unavailable#eu-west-1'],
    [{ kind: 'security-hub-not-enabled', region: 'eu-west-1', reason: 'x' }, 'security-hub-not-enabled#eu-west-1'],
    [{ kind: 'findings-not-published', region: 'eu-west-1', reason: 'x' }, 'findings-not-published#eu-west-1'],
    [{ kind: 'findings-not-published', region: 'eu-west-1', reason: 'x', count: 3 }, 'findings-not-published#eu-west-1'],
    [{ kind: 'findings-rejected', region: 'eu-west-1', count: 1 }, 'findings-rejected#eu-west-1'],
    [{ kind: 'workflow-not-updated', region: 'eu-west-1', cause: DENIED }, 'workflow-not-updated#eu-west-1'],
    [{ kind: 'recheck-failed', region: 'eu-west-1', identifier: 'orders', cause: DENIED }, 'recheck-failed#eu-west-1'],
    [{ kind: 'state-unavailable' }, 'state-unavailable'],
    [{ kind: 'state-unavailable', cause: DENIED }, 'state-unavailable'],
    [{ kind: 'state-not-saved', cause: DENIED }, 'state-not-saved'],
    [{ kind: 'regions-not-listed', cause: DENIED }, 'regions-not-listed'],
    [{ kind: 'run-skipped', mode: 'scan', reason: 'lease held' }, 'run-skipped'],
  ])('keys %j as %s', (d, key) => {
    expect(degradationKey(d)).toBe(key);
  });
});

describe('degradationSentence', () => {
  it.each<[Degradation, string]>([
    [notScanned('eu-west-3'), 'eu-west-3: Region not scanned (AccessDenied: not authorized); its clusters were not judged this run'],
    [
      { kind: 'clusters-unreadable', region: 'eu-west-1', count: 2, firstReason: 'no ARN' },
      'eu-west-1: 2 cluster(s) not judged because DescribeDBClusters returned an unusable description (no ARN)',
    ],
    [
      { kind: 'metrics-unavailable', region: 'eu-west-1', cause: DENIED },
      'eu-west-1: CloudWatch Backtrack metrics could not be read (AccessDenied: not authorized); actual windows judged from EarliestBacktrackTime only',
    ],
    [
      { kind: 'security-hub-not-enabled', region: 'eu-west-1', reason: 'Security Hub is not enabled in eu-west-1' },
      'eu-west-1: findings not published — Security Hub is not enabled in eu-west-1',
    ],
    [{ kind: 'findings-not-published', region: 'eu-west-1', reason: 'boom' }, 'eu-west-1: findings not published — boom'],
    [{ kind: 'findings-not-published', region: 'eu-west-1', reason: 'boom', count: 3 }, 'eu-west-1: 3 finding(s) not published — boom'],
    [{ kind: 'findings-rejected', region: 'eu-west-1', count: 1 }, 'eu-west-1: 1 finding(s) rejected by Security Hub after a retry'],
    [
      { kind: 'workflow-not-updated', region: 'eu-west-1', cause: DENIED },
      'eu-west-1: exemption workflow could not be set in Security Hub (AccessDenied: not authorized)',
    ],
    [
      { kind: 'workflow-not-updated', region: 'eu-west-1', cause: { code: 'InvalidInput', message: 'bad' }, rejected: 2 },
      'eu-west-1: 2 finding workflow update(s) (exemptions) rejected by Security Hub: InvalidInput: bad',
    ],
    [
      { kind: 'recheck-failed', region: 'eu-west-1', identifier: 'orders', cause: DENIED },
      'eu-west-1: cluster orders could not be re-checked (AccessDenied: not authorized)',
    ],
    [
      { kind: 'state-unavailable', cause: DENIED },
      'state table could not be read (AccessDenied: not authorized); alerts for cluster changes are held back this run',
    ],
    [
      { kind: 'state-unavailable' },
      "state table did not answer before the run's deadline; alerts for cluster changes are held back this run",
    ],
    [
      { kind: 'state-not-saved', cause: DENIED },
      "state table could not be written (AccessDenied: not authorized); the next run may repeat this run's alert",
    ],
    [
      { kind: 'regions-not-listed', cause: DENIED },
      "the account's enabled Regions could not be listed (AccessDenied: not authorized); nothing was scanned",
    ],
    [
      { kind: 'run-skipped', mode: 'reminder', reason: 'lease held' },
      'reminder skipped: lease held; nothing was judged, alerted or saved by this run',
    ],
  ])('says %j as "%s"', (d, sentence) => {
    expect(degradationSentence(d)).toBe(sentence);
  });
});

describe('degradationReport', () => {
  it('carries the key, the Region and the sentence of a Region problem', () => {
    expect(degradationReport(notScanned('eu-west-3'))).toEqual({
      key: 'region-not-scanned#eu-west-3',
      region: 'eu-west-3',
      message: 'eu-west-3: Region not scanned (AccessDenied: not authorized); its clusters were not judged this run',
    });
  });

  it('has no Region for a problem of the whole run', () => {
    expect(degradationReport({ kind: 'state-not-saved', cause: DENIED })).not.toHaveProperty('region');
  });
});

describe('recoveredSentence', () => {
  it('names the Region and the problem of a Region key', () => {
    expect(recoveredSentence('region-not-scanned#us-east-1')).toBe('us-east-1: region not scanned — no longer');
  });

  it('names the problem of a run key', () => {
    expect(recoveredSentence('state-not-saved')).toBe('state not saved — no longer');
  });
});

describe('degradationChange', () => {
  it('alerts only the problems not remembered, and names the remembered ones that are gone as recovered', () => {
    const change = degradationChange(
      ['region-not-scanned#eu-west-1', 'state-not-saved'],
      [notScanned('eu-west-1'), notScanned('us-east-1')],
    );

    expect(change.fresh).toEqual([notScanned('us-east-1')]);
    expect(change.recovered).toEqual(['state-not-saved']);
  });

  it('alerts nothing when the same problems as remembered persist', () => {
    expect(degradationChange(['region-not-scanned#eu-west-1'], [notScanned('eu-west-1')])).toEqual({ fresh: [], recovered: [] });
  });

  it('tells apart the same kind in two Regions', () => {
    expect(degradationChange(['region-not-scanned#eu-west-1'], [notScanned('eu-west-2')])).toEqual({
      fresh: [notScanned('eu-west-2')],
      recovered: ['region-not-scanned#eu-west-1'],
    });
  });
});

describe('degradationKeysToRemember', () => {
  const remembered = ['state-not-saved', 'region-not-scanned#eu-west-1', 'state-not-saved'];
  const now = [notScanned('us-east-1'), notScanned('eu-west-1'), notScanned('us-east-1')];

  it("remembers this run's problems, sorted and once each, when its alert went out (or there was none)", () => {
    expect(degradationKeysToRemember(remembered, now, false)).toEqual(['region-not-scanned#eu-west-1', 'region-not-scanned#us-east-1']);
  });

  it('keeps the remembered problems when the alert was lost, so the next run alerts the change again', () => {
    expect(degradationKeysToRemember(remembered, now, true)).toEqual(['region-not-scanned#eu-west-1', 'state-not-saved']);
  });
});

describe('findingsDegradation', () => {
  it('is none when every finding reached Security Hub', () => {
    expect(findingsDegradation('eu-west-1', { failed: 0 })).toBeUndefined();
  });

  it('is findings-rejected for a single finding Security Hub refused', () => {
    expect(findingsDegradation('eu-west-1', { failed: 1 })).toEqual({ kind: 'findings-rejected', region: 'eu-west-1', count: 1 });
  });

  it('is findings-not-published with the count when an import call failed as a whole', () => {
    expect(findingsDegradation('eu-west-1', { failed: 100, callError: { code: 'ThrottlingException', message: 'Rate exceeded' } })).toEqual(
      {
        kind: 'findings-not-published',
        region: 'eu-west-1',
        count: 100,
        reason: 'Security Hub import failed in eu-west-1: ThrottlingException: Rate exceeded',
      },
    );
  });

  it('is security-hub-not-enabled when Security Hub is off in the Region', () => {
    expect(
      findingsDegradation('eu-west-1', { failed: 3, notPublished: 'Security Hub is not enabled in eu-west-1', notEnabled: true }),
    ).toEqual({
      kind: 'security-hub-not-enabled',
      region: 'eu-west-1',
      reason: 'Security Hub is not enabled in eu-west-1',
    });
  });

  it('is findings-not-published without a count when no finding of the Region could be published', () => {
    expect(findingsDegradation('eu-west-1', { failed: 3, notPublished: 'import refused', notEnabled: false })).toEqual({
      kind: 'findings-not-published',
      region: 'eu-west-1',
      reason: 'import refused',
    });
  });
});
