import { evaluate } from '../../../lambda/core/evaluate';
import { forgetTagChanges, tagChanges, tagChangeText } from '../../../lambda/core/tag-audit';
import { cluster, NOW, POLICY, state } from '../fixtures';

const EXEMPT = 'backtrack-check:exempt';
const UNTIL = 'backtrack-check:exempt-until';
const REASON = 'backtrack-check:exempt-reason';
const MIN_TAG = 'backtrack-check:min-window-hours';

const judged = (tags: Record<string, string>) => evaluate(cluster({ backtrackWindowSeconds: 0, tags }), POLICY, NOW);
const upper = (s: string) => s.toUpperCase();

describe('tagChanges', () => {
  const exempt = judged({ [EXEMPT]: 'true', [UNTIL]: '2026-12-31', [REASON]: 'batch' });

  it('takes the tags of a cluster seen before the checker remembered anything as the baseline', () => {
    expect(tagChanges(exempt, undefined, false)).toEqual([]);
  });

  it('names an exemption on a cluster seen for the first time as granted', () => {
    expect(tagChanges(exempt, undefined, true)).toEqual([{ kind: 'exemption-granted' }]);
  });

  it('names an exemption on a cluster that was not suppressed as granted', () => {
    expect(tagChanges(exempt, state({ suppressed: false }), false)).toEqual([{ kind: 'exemption-granted' }]);
  });

  it('says nothing while the same exemption stays in force', () => {
    expect(tagChanges(exempt, state({ suppressed: true, exemptUntil: '2026-12-31', exemptReason: 'batch' }), false)).toEqual([]);
  });

  it('names a changed expiry with the expiry it replaces', () => {
    expect(tagChanges(exempt, state({ suppressed: true, exemptUntil: '2026-12-01', exemptReason: 'batch' }), false)).toEqual([
      { kind: 'exemption-changed', fromUntil: '2026-12-01', fromReason: 'batch' },
    ]);
  });

  it('names a changed reason, and leaves out the expiry or reason that was not there before', () => {
    expect(tagChanges(exempt, state({ suppressed: true, exemptReason: 'old' }), false)).toStrictEqual([
      { kind: 'exemption-changed', fromReason: 'old' },
    ]);
    expect(tagChanges(exempt, state({ suppressed: true, exemptUntil: '2026-12-31' }), false)).toStrictEqual([
      { kind: 'exemption-changed', fromUntil: '2026-12-31' },
    ]);
  });

  it('says nothing about an exemption that is not in force (expired)', () => {
    const expired = judged({ [EXEMPT]: 'true', [UNTIL]: '2026-01-01' });

    expect(tagChanges(expired, state({ suppressed: false }), true)).toEqual([]);
    expect(tagChanges(expired, state({ suppressed: true, exemptUntil: '2025-12-01' }), false)).toEqual([]);
  });

  it('names a policy tag below the account minimum once, with the value it replaces', () => {
    const lowered = judged({ [MIN_TAG]: '12' });

    expect(tagChanges(lowered, state({ policyHours: 18 }), false)).toEqual([{ kind: 'policy-lowered', fromHours: 18 }]);
    expect(tagChanges(lowered, state(), false)).toEqual([{ kind: 'policy-lowered' }]);
    expect(tagChanges(lowered, undefined, true)).toEqual([{ kind: 'policy-lowered' }]);
    expect(tagChanges(lowered, state({ policyHours: 12 }), false)).toEqual([]);
  });

  it('does not name a policy tag at or above the account minimum', () => {
    expect(tagChanges(judged({ [MIN_TAG]: '24' }), state(), false)).toEqual([]);
    expect(tagChanges(judged({ [MIN_TAG]: '48' }), state(), false)).toEqual([]);
  });
});

describe('tagChangeText', () => {
  it('states a granted exemption with its span and reason, passing user text through the escaping given', () => {
    const e = judged({ [EXEMPT]: 'true', [UNTIL]: '2026-12-31', [REASON]: 'batch' });

    expect(tagChangeText(e, { kind: 'exemption-granted' }, upper)).toBe('exemption granted UNTIL 2026-12-31; reason: "BATCH"');
  });

  it('says "no reason given" when the exemption has none', () => {
    const e = judged({ [EXEMPT]: 'true', [UNTIL]: '2026-12-31' });

    expect(tagChangeText(e, { kind: 'exemption-granted' }, (s) => s)).toBe('exemption granted until 2026-12-31; reason: no reason given');
  });

  it('states only what changed: an expiry that was none', () => {
    const e = judged({ [EXEMPT]: 'true', [UNTIL]: '2026-12-31', [REASON]: 'batch' });

    expect(tagChangeText(e, { kind: 'exemption-changed', fromReason: 'batch' }, upper)).toBe('exemption changed: expiry NONE → 2026-12-31');
  });

  it('states only what changed: a reason that was none, and an expiry removed, with the cap that now ends it', () => {
    const e = judged({ [EXEMPT]: 'true', [REASON]: 'batch' });

    expect(tagChangeText(e, { kind: 'exemption-changed', fromUntil: '2026-12-31' }, upper)).toBe(
      'exemption changed: expiry 2026-12-31 → NONE; reason none → "BATCH" (ends 2027-02-18T12:00:00Z, capped)',
    );
  });

  it('quotes the reason it replaces', () => {
    const e = judged({ [EXEMPT]: 'true', [REASON]: 'new', [UNTIL]: '2026-12-31' });

    expect(tagChangeText(e, { kind: 'exemption-changed', fromUntil: '2026-12-31', fromReason: 'old' }, upper)).toBe(
      'exemption changed: reason "OLD" → "NEW"',
    );
  });

  it('states a lowered policy with the account minimum, and the value before when there was one', () => {
    const e = judged({ [MIN_TAG]: '12' });

    expect(tagChangeText(e, { kind: 'policy-lowered', fromHours: 18 }, upper)).toBe(
      'policy tag lowers the required window to 12 h, below the account minimum of 24 h (was 18 h)',
    );
    expect(tagChangeText(e, { kind: 'policy-lowered' }, upper)).toBe(
      'policy tag lowers the required window to 12 h, below the account minimum of 24 h',
    );
  });
});

describe('forgetTagChanges', () => {
  it('without a remembered state, forgets the exemption and policy it would have remembered', () => {
    const s = state({ suppressed: true, exemptReason: 'batch', exemptUntil: '2026-12-31', policyHours: 12 });

    forgetTagChanges(s, undefined);

    expect(s.suppressed).toBe(false);
    expect(s).not.toHaveProperty('exemptReason');
    expect(s).not.toHaveProperty('exemptUntil');
    expect(s).not.toHaveProperty('policyHours');
  });
});
