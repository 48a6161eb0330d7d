import { reassertedSentence, withUnsent, type ReassertedWorkflow } from '../../../lambda/core/reasserted';

const orders: ReassertedWorkflow = { region: 'eu-west-1', identifier: 'orders', found: 'SUPPRESSED', setTo: 'NEW' };
const billing: ReassertedWorkflow = { region: 'eu-west-1', identifier: 'billing', found: 'RESOLVED', setTo: 'NEW' };

describe('findings set back after a change outside the checker', () => {
  it('says what was found and what was set back', () => {
    expect(reassertedSentence(orders)).toBe('its finding was SUPPRESSED outside the checker; set back to NEW');
  });

  it('names the lines an earlier scan could not send first, and a cluster set back again once, as found now', () => {
    const again: ReassertedWorkflow = { ...orders, found: 'RESOLVED' };
    const elsewhere: ReassertedWorkflow = { ...orders, region: 'us-east-1' };

    expect(withUnsent([orders, billing], [again, elsewhere])).toEqual([again, billing, elsewhere]);
    expect(withUnsent([], [orders])).toEqual([orders]);
  });
});
