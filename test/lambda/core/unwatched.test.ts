import {
  inWatchedRegions,
  retiredLeftActive,
  retiredRemovals,
  retiredSentence,
  unwatchedRegions,
  type RetiredRegion,
} from '../../../lambda/core/unwatched';
import { ACCOUNT_ID, state } from '../fixtures';

const stockholmA = state({ identifier: 'a', region: 'eu-north-1' });
const stockholmB = state({ identifier: 'b', region: 'eu-north-1', status: 'PASSED', condition: 'ok', alerted: 'none' });
const ireland = state({ identifier: 'c', region: 'eu-west-1' });
const milan = state({ identifier: 'd', region: 'eu-south-1' });

describe('unwatchedRegions', () => {
  it('retires nothing when the Region list is not known for sure (listing the enabled Regions failed)', () => {
    expect(unwatchedRegions([stockholmA, ireland], undefined, ACCOUNT_ID)).toEqual([]);
  });

  it('retires nothing while every remembered Region is watched', () => {
    expect(unwatchedRegions([stockholmA, ireland], ['eu-north-1', 'eu-west-1'], ACCOUNT_ID)).toEqual([]);
  });

  it('groups the remembered clusters of each Region outside the watch list, Regions sorted, clusters by state key', () => {
    const got = unwatchedRegions([milan, stockholmB, ireland, stockholmA], ['eu-west-1'], ACCOUNT_ID);

    expect(got).toEqual([
      { region: 'eu-north-1', clusters: [stockholmA, stockholmB] },
      { region: 'eu-south-1', clusters: [milan] },
    ]);
  });

  it('retires every remembered cluster when the watch list shrank to a Region with none', () => {
    expect(unwatchedRegions([stockholmA, ireland], ['us-east-1'], ACCOUNT_ID).map((r) => r.region)).toEqual(['eu-north-1', 'eu-west-1']);
  });

  it("never retires another account's clusters", () => {
    const other = { ...stockholmA, accountId: '999999999999', pk: 'cluster#999999999999#eu-north-1#x' };

    expect(unwatchedRegions([other], ['eu-west-1'], ACCOUNT_ID)).toEqual([]);
  });

  it('matches Region codes exactly (eu-north-1 watched does not keep eu-north-10)', () => {
    const near = state({ identifier: 'e', region: 'eu-north-10' });

    expect(unwatchedRegions([near, stockholmA], ['eu-north-1'], ACCOUNT_ID)).toEqual([{ region: 'eu-north-10', clusters: [near] }]);
  });
});

describe('inWatchedRegions', () => {
  it('keeps only the clusters of watched Regions', () => {
    expect(inWatchedRegions([stockholmA, ireland, milan], ['eu-west-1', 'eu-south-1'])).toEqual([ireland, milan]);
  });

  it('keeps every cluster when the watched Regions are not known', () => {
    expect(inWatchedRegions([stockholmA, ireland], undefined)).toEqual([stockholmA, ireland]);
  });

  it('keeps none when no remembered Region is watched', () => {
    expect(inWatchedRegions([stockholmA], ['eu-west-1'])).toEqual([]);
  });
});

describe('retiredSentence', () => {
  const retired = (overrides: Partial<RetiredRegion> = {}): RetiredRegion => ({
    region: 'eu-north-1',
    clusters: 3,
    failing: 0,
    published: true,
    archived: 3,
    ...overrides,
  });

  it('says which Region and how many clusters had their findings archived', () => {
    expect(retiredSentence(retired())).toBe("eu-north-1 is no longer watched: 3 clusters' findings archived");
  });

  it('counts one cluster in the singular and names how many were failing', () => {
    expect(retiredSentence(retired({ clusters: 1, archived: 1, failing: 1 }))).toBe(
      "eu-north-1 is no longer watched: 1 cluster's finding archived (1 was failing)",
    );
    expect(retiredSentence(retired({ failing: 2 }))).toBe(
      "eu-north-1 is no longer watched: 3 clusters' findings archived (2 were failing)",
    );
  });

  it('says how many findings could not be archived, why, and that they stay ACTIVE', () => {
    const reason = 'UnrecognizedClientException: The security token included in the request is invalid';

    expect(retiredSentence(retired({ archived: 0, failing: 1, reason }))).toBe(
      "eu-north-1 is no longer watched: 0 of 3 clusters' findings archived (1 was failing); 3 could not be " +
        '(UnrecognizedClientException: The security token included in the request is invalid): those Security Hub holds there ' +
        'stay ACTIVE until archived by hand (or deleted by Security Hub 90 days after their last update)',
    );
  });

  it('counts one finding short of all as not archived', () => {
    expect(retiredSentence(retired({ archived: 2 }))).toMatch(/: 2 of 3 clusters' findings archived; 1 could not be: those/);
  });

  it('does not claim an archive when the checker publishes no findings', () => {
    expect(retiredSentence(retired({ published: false, archived: 0, failing: 1 }))).toBe(
      'eu-north-1 is no longer watched: 3 clusters no longer checked (1 was failing); this checker does not publish findings',
    );
    expect(retiredSentence(retired({ clusters: 1, published: false, archived: 0 }))).toBe(
      'eu-north-1 is no longer watched: 1 cluster no longer checked; this checker does not publish findings',
    );
  });
});

describe('retiredLeftActive', () => {
  const r = (published: boolean, archived: number): RetiredRegion => ({
    region: 'eu-north-1',
    clusters: 2,
    failing: 0,
    published,
    archived,
  });

  it('is true only when published findings were left unarchived', () => {
    expect(retiredLeftActive(r(true, 1))).toBe(true);
    expect(retiredLeftActive(r(true, 2))).toBe(false);
    expect(retiredLeftActive(r(false, 0))).toBe(false);
  });
});

describe('retiredRemovals', () => {
  const regions = unwatchedRegions([stockholmA, stockholmB, milan, ireland], ['eu-west-1'], ACCOUNT_ID);

  it('removes every retired cluster once the alert went out, archived or not', () => {
    expect(retiredRemovals(regions, true)).toEqual([stockholmA.pk, stockholmB.pk, milan.pk]);
  });

  it('keeps them while the alert saying so was not delivered (the next scan retires them and tells it)', () => {
    expect(retiredRemovals(regions, false)).toEqual([]);
  });
});
