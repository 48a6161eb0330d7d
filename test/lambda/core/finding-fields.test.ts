import { evaluate } from '../../../lambda/core/evaluate';
import { archivedFinding, exemptionSpan, findingFields, toFinding, type Finding } from '../../../lambda/core/finding';
import type { ClusterFacts, Evaluation, Exemption } from '../../../lambda/core/types';
import { ACCOUNT, cluster, HOUR, NOW, POLICY, secondsAgo, state } from '../fixtures';

const EXEMPT = 'backtrack-check:exempt';
const UNTIL = 'backtrack-check:exempt-until';
const MIN_TAG = 'backtrack-check:min-window-hours';
const TYPE = 'Software and Configuration Checks/AWS Security Best Practices';

const judged = (c: ClusterFacts, metrics?: Parameters<typeof evaluate>[3]) => evaluate(c, POLICY, NOW, metrics);
const findingOf = (e: Evaluation): Finding => toFinding(e, ACCOUNT, NOW, undefined);

describe('exemptionSpan', () => {
  const exemption = (x: Partial<Exemption>): Exemption => ({ active: true, expired: false, claimed: true, problems: [], ...x });

  it('says "with no expiry" when neither the tag nor the cap ends it', () => {
    expect(exemptionSpan(exemption({}))).toBe('with no expiry');
  });

  it('gives the cap and the later expiry the tag asked for', () => {
    expect(exemptionSpan(exemption({ until: '2099-12-31', cappedAt: '2027-02-18T12:00:00Z' }))).toBe(
      'until 2027-02-18T12:00:00Z (capped: the longest an exemption may last; the tag says 2099-12-31)',
    );
  });
});

describe('findingFields', () => {
  it('leaves out the change-record rate when it is not known', () => {
    expect(findingFields(judged(cluster()))).not.toHaveProperty('changeRecordsPerHour');
  });

  it('joins several tag problems with " | "', () => {
    const e = judged(cluster({ tags: { [MIN_TAG]: 'x', [EXEMPT]: 'yes' } }));

    expect(findingFields(e).tagProblems).toBe(`${e.tagProblems[0]} | ${e.tagProblems[1]}`);
    expect(e.tagProblems).toHaveLength(2);
  });

  it('names the expiry, cap and first sighting of an exemption in force', () => {
    const fields = findingFields(judged(cluster({ tags: { [EXEMPT]: 'true', [UNTIL]: '2099-12-31' } })));

    expect(fields).toMatchObject({
      exempt: 'true',
      exemptUntil: '2099-12-31',
      exemptCappedAt: '2027-02-18T12:00:00Z',
      exemptSince: '2026-11-20T12:00:00Z',
    });
  });

  it('names the cap and first sighting of an expired exemption, and says it expired', () => {
    const e = evaluate(cluster({ tags: { [EXEMPT]: 'true' }, exemptSince: secondsAgo(100 * 24 * HOUR) }), POLICY, NOW);

    expect(findingFields(e)).toMatchObject({
      exemptionExpired: 'true',
      exemptCappedAt: '2026-11-10T12:00:00Z',
      exemptSince: '2026-08-12T12:00:00Z',
    });
    expect(findingFields(e)).not.toHaveProperty('exempt');
  });

  it('says nothing of an exemption that does not apply (bad expiry): no first sighting, no cap', () => {
    const fields = findingFields(judged(cluster({ tags: { [EXEMPT]: 'true', [UNTIL]: 'soon' } })));

    expect(fields).not.toHaveProperty('exemptSince');
    expect(fields).not.toHaveProperty('exemptCappedAt');
    expect(fields).not.toHaveProperty('exempt');
  });

  it('never writes an empty value', () => {
    const e = { ...judged(cluster({ backtrackWindowSeconds: 0 })), fixCommand: '' };

    expect(findingFields(e)).not.toHaveProperty('fixCommand');
  });
});

describe('toFinding: description', () => {
  it('of a passing cluster: the reason and what was measured, in that order and nothing else', () => {
    const e = judged(cluster({ earliestBacktrackTime: secondsAgo(25 * HOUR) }));

    expect(findingOf(e).Description).toBe(
      `Cluster orders (aurora-mysql 8.0.mysql_aurora.3.05.2, Region eu-west-1): ${e.reason}. Measured: ${e.actual?.summary}.`,
    );
  });

  it('of an actual-short warning: the reason only, which already holds the measurement', () => {
    const e = judged(cluster({ earliestBacktrackTime: secondsAgo(20 * HOUR) }));

    expect(findingOf(e).Description).toBe(`Cluster orders (aurora-mysql 8.0.mysql_aurora.3.05.2, Region eu-west-1): ${e.reason}.`);
  });

  it('gives the change records a window keeps as the hourly rate × window hours', () => {
    const e = judged(cluster({ backtrackWindowSeconds: 172_800 }), { changeRecordsPer5Min: 100, source: 'cluster' });

    expect(findingOf(e).Description).toContain(
      'Cost hint: about 1200 change records per hour; a 48 h window keeps about 57600 records (billed per million per hour).',
    );
  });

  it('lists the tag problems separated by "; " at the end', () => {
    const e = judged(cluster({ backtrackWindowSeconds: 0, tags: { [MIN_TAG]: 'x', [EXEMPT]: 'yes' } }));

    expect(findingOf(e).Description).toMatch(new RegExp(`\\. Tag problems: ${escape(e.tagProblems.join('; '))}\\.$`));
  });

  it('says an exemption ended by the cap expired at the cap', () => {
    const e = evaluate(cluster({ tags: { [EXEMPT]: 'true' }, exemptSince: secondsAgo(100 * 24 * HOUR) }), POLICY, NOW);

    expect(findingOf(e).Description).toContain('The exemption expired (capped at 2026-11-10T12:00:00Z); the cluster is judged again.');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('toFinding: fixed fields', () => {
  it('states the finding type in both places and the cluster details with its engine mode', () => {
    const f = findingOf(judged(cluster()));

    expect(f.Types).toEqual([TYPE]);
    expect(f.FindingProviderFields).toEqual({ Severity: { Label: 'INFORMATIONAL', Original: 'ok' }, Types: [TYPE] });
    expect(f.Resources[0]?.Details.AwsRdsDbCluster).toEqual({
      DbClusterIdentifier: 'orders',
      DbClusterResourceId: 'cluster-ORDERS',
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.05.2',
      EngineMode: 'provisioned',
    });
  });
});

describe('toFinding: Remediation.Recommendation.Text (at most 512 characters)', () => {
  const base = judged(cluster({ backtrackWindowSeconds: 3_600 }));
  const disabled = judged(cluster({ backtrackWindowSeconds: 0 }));
  const text = (e: Evaluation) => findingOf(e).Remediation?.Recommendation.Text;

  it('is the whole remediation at exactly 512 characters', () => {
    const remediation = 'r'.repeat(512);

    expect(text({ ...base, remediation })).toBe(remediation);
  });

  it('is "Run:" and the command for a longer remediation, up to exactly 512 characters', () => {
    const fixCommand = 'c'.repeat(512 - 'Run: '.length);

    expect(text({ ...base, remediation: 'r'.repeat(513), fixCommand })).toBe(`Run: ${fixCommand}`);
  });

  it('is "Run:" with the modify command beside the migrate command when both fit', () => {
    expect(text({ ...base, remediation: 'r'.repeat(513) })).toBe(
      'Run: aws rds modify-db-cluster --db-cluster-identifier orders --backtrack-window 86400 --apply-immediately --region eu-west-1 ' +
        '(or: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24)',
    );
  });

  it('points to the fixCommand field, and gives the migrate command, when even the command alone is too long', () => {
    expect(text({ ...base, remediation: 'r'.repeat(513), fixCommand: 'c'.repeat(508) })).toBe(
      "The full command is in this finding's field aurora-backtrack-checker/fixCommand and in the alert. " +
        'Or: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24',
    );
  });

  it('never cuts a command longer than a finding field holds: it says where the whole command is', () => {
    const long = { ...base, remediation: 'r'.repeat(513), fixCommand: 'c'.repeat(1024) };
    const f = findingOf(long);

    expect(f.Resources[0]?.Details.Other.fixCommand).toBeUndefined();
    expect(f.Resources[0]?.Details.Other.fixCommandTooLong).toBe(
      "1024 characters, more than a finding field holds: the whole command is in the alert e-mail and in the CLI's output " +
        '(aurora-backtrack-check scan --cluster orders --regions eu-west-1)',
    );
    expect(f.Remediation?.Recommendation.Text).toBe(
      "The whole command is in the alert e-mail and in the CLI's output (aurora-backtrack-check scan --cluster orders --regions eu-west-1). " +
        'Or: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24',
    );
  });

  it('for a disabled cluster, says a restore into a new cluster is needed, with the command when it fits', () => {
    expect(text({ ...disabled, remediation: 'r'.repeat(513) })).toBe(
      `Restore into a new cluster with a window (Backtrack cannot be turned on in place), then cut over: ${disabled.fixCommand}`,
    );
  });

  it('for a disabled cluster whose command does not fit, says where the whole restore command is', () => {
    expect(text({ ...disabled, remediation: 'r'.repeat(513), fixCommand: 'c'.repeat(512) })).toBe(
      'Backtrack cannot be turned on for an existing cluster: restore orders into a new cluster with a window and cut over. ' +
        "The full restore command (with the source's subnet group, security groups, parameter group and other settings) " +
        "is in this finding's field aurora-backtrack-checker/fixCommand and in the alert. " +
        'Or plan it with: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24',
    );
  });
});

describe('toFinding: resource tags (ASFF allows 50)', () => {
  const tagsOf = (tags: Record<string, string>) => findingOf(judged(cluster({ tags }))).Resources[0]?.Tags;

  it('keeps exactly 50 tags as they are', () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`team:tag-${i}`, String(i)]));

    expect(tagsOf(tags)).toEqual(tags);
  });

  it("keeps the checker's own tags when there are more than 50, even when they come last", () => {
    const tags: Record<string, string> = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`team:tag-${i}`, String(i)]));
    tags[EXEMPT] = 'false';
    tags[MIN_TAG] = '24';

    const kept = tagsOf(tags) ?? {};

    expect(Object.keys(kept)).toHaveLength(50);
    expect(kept).toMatchObject({ [EXEMPT]: 'false', [MIN_TAG]: '24' });
    expect(Object.keys(kept).filter((k) => k.startsWith('team:'))).toEqual(Array.from({ length: 48 }, (_, i) => `team:tag-${i}`));
  });
});

describe('archivedFinding', () => {
  it('is the whole ASFF finding of a deleted cluster, with its last verdict', () => {
    const s = state({ since: '2026-11-01T00:00:00.000Z' });

    expect(archivedFinding(s, ACCOUNT, NOW)).toEqual({
      SchemaVersion: '2018-10-08',
      Id: 'aurora-backtrack-checker/111122223333/eu-west-1/cluster-ORDERS',
      ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
      GeneratorId: 'aurora-backtrack-checker/backtrack-window',
      AwsAccountId: '111122223333',
      Types: [TYPE],
      CreatedAt: '2026-11-01T00:00:00.000Z',
      UpdatedAt: NOW.toISOString(),
      Severity: { Label: 'INFORMATIONAL' },
      FindingProviderFields: { Severity: { Label: 'INFORMATIONAL', Original: 'deleted' }, Types: [TYPE] },
      Title: 'Aurora cluster deleted: orders',
      Description: 'Cluster orders (Region eu-west-1) no longer exists; its last verdict was FAILED (disabled). The finding is archived.',
      ProductName: 'Aurora Backtrack Checker',
      CompanyName: 'Aurora Backtrack Checker',
      ProductFields: { 'aurora-backtrack-checker/condition': 'deleted', 'aurora-backtrack-checker/lastStatus': 'FAILED' },
      Resources: [
        {
          Type: 'AwsRdsDbCluster',
          Id: 'arn:aws:rds:eu-west-1:111122223333:cluster:orders',
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: { Other: { deleted: 'true' } },
        },
      ],
      Compliance: { Status: 'FAILED' },
      RecordState: 'ARCHIVED',
    });
  });
});
