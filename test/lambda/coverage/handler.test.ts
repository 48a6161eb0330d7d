import { RUN_COMPLETED } from '../../../lambda/core/coverage';
import { toCoverageRequest } from '../../../lambda/coverage/handler';

describe('toCoverageRequest', () => {
  it("takes a member's report from the bus", () => {
    const event = { source: RUN_COMPLETED.source, 'detail-type': RUN_COMPLETED.detailType, account: '222222222222' };

    expect(toCoverageRequest(event)).toEqual({ kind: 'report', event });
  });

  it("takes the schedule's check and digest", () => {
    expect(toCoverageRequest({ mode: 'check' })).toEqual({ kind: 'check', digest: false });
    expect(toCoverageRequest({ mode: 'digest' })).toEqual({ kind: 'check', digest: true });
  });

  it.each([[{ mode: 'scan' }], [null], ['check']])('refuses %j, naming what it takes', (event) => {
    expect(() => toCoverageRequest(event)).toThrow(
      'the coverage function takes a "Checker run completed" event of aurora-backtrack-checker or {"mode":"check"|"digest"}',
    );
  });
});
