import { clusterKey, metaKey, policySignature } from '../../../lambda/core/state-types';

describe('policySignature', () => {
  const base = { minWindowHours: 24, tagPrefix: 'backtrack-check:', exemptTagKey: 'backtrack-check:exempt' };

  it('states the minimum, the tag prefix and the exemption tag, and nothing that was not given', () => {
    expect(policySignature(base)).toBe('minimum 24 h, tag prefix "backtrack-check:", exemption tag "backtrack-check:exempt"');
  });

  it('adds the exemption cap and the Backtrack Regions, sorted, so the order of the setting does not matter', () => {
    const signature = policySignature({ ...base, maxExemptionDays: 90, backtrackRegions: ['sa-east-1', 'eu-north-1'] });

    expect(signature).toBe(
      'minimum 24 h, tag prefix "backtrack-check:", exemption tag "backtrack-check:exempt", ' +
        'exemptions at most 90 days, Backtrack also in eu-north-1,sa-east-1',
    );
  });

  it('leaves out an empty list of Backtrack Regions', () => {
    expect(policySignature({ ...base, maxExemptionDays: 0, backtrackRegions: [] })).toBe(
      'minimum 24 h, tag prefix "backtrack-check:", exemption tag "backtrack-check:exempt", exemptions at most 0 days',
    );
  });

  it('does not reorder the setting it reads', () => {
    const regions = ['sa-east-1', 'eu-north-1'];

    policySignature({ ...base, backtrackRegions: regions });

    expect(regions).toEqual(['sa-east-1', 'eu-north-1']);
  });
});

describe('state keys', () => {
  it('keys a cluster on account, Region and DbClusterResourceId, and the run memory on the account', () => {
    expect(clusterKey('111122223333', 'eu-west-1', 'cluster-ABC')).toBe('cluster#111122223333#eu-west-1#cluster-ABC');
    expect(metaKey('111122223333')).toBe('meta#111122223333');
  });
});
