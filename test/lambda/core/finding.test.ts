import { evaluate } from '../../../lambda/core/evaluate';
import { archivedFinding, exemptionNote, findingId, GENERATOR_ID, toFinding, type Finding } from '../../../lambda/core/finding';
import { BACKTRACK_DOC_URL } from '../../../lambda/core/rules';
import type { ClusterFacts } from '../../../lambda/core/types';
import { ACCOUNT, ACCOUNT_ID, cluster, HOUR, NOW, POLICY, policy, secondsAgo, state } from '../fixtures';

const findingFor = (c: ClusterFacts, firstSeen?: string, metrics?: Parameters<typeof evaluate>[3]): Finding =>
  toFinding(evaluate(c, POLICY, NOW, metrics), ACCOUNT, NOW, firstSeen);

const LONG_ID = `a${'b'.repeat(62)}`;
const LONG_VALUE = 'x'.repeat(256);

describe('toFinding', () => {
  it.each([
    ['disabled', cluster({ backtrackWindowSeconds: 0 })],
    ['below policy', cluster({ backtrackWindowSeconds: 3_600 })],
    ['passing', cluster()],
    ['actual short', cluster({ earliestBacktrackTime: secondsAgo(HOUR) })],
    ['not available', cluster({ engineMode: 'serverless' })],
  ])('a %s cluster has every required ASFF field', (_name, c) => {
    const f = findingFor(c);

    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      GeneratorId: GENERATOR_ID,
      AwsAccountId: ACCOUNT_ID,
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: NOW.toISOString(),
      UpdatedAt: NOW.toISOString(),
      RecordState: 'ACTIVE',
    });
    expect(f.Id.length).toBeGreaterThan(0);
    expect(f.Id.length).toBeLessThanOrEqual(512);
    expect(f.ProductArn).toMatch(/^arn:aws:securityhub:eu-west-1:111122223333:product\/111122223333\/default$/);
    expect(f.Title.length).toBeGreaterThan(0);
    expect(f.Description.length).toBeGreaterThan(0);
    expect(f.Severity.Label).toBeDefined();
    expect(f.Resources).toHaveLength(1);
    expect(f.Resources[0]).toMatchObject({ Type: 'AwsRdsDbCluster', Id: c.arn, Partition: 'aws', Region: 'eu-west-1' });
  });

  it.each([
    ['disabled', 0, 'FAILED', 'MEDIUM'],
    ['below policy', 3_600, 'FAILED', 'LOW'],
    ['passing', 86_400, 'PASSED', 'INFORMATIONAL'],
  ] as const)('a %s cluster has Compliance.Status %s and severity %s', (_name, window, status, severity) => {
    const f = findingFor(cluster({ backtrackWindowSeconds: window }));

    expect(f.Compliance.Status).toBe(status);
    expect(f.Severity.Label).toBe(severity);
    expect(f.FindingProviderFields.Severity.Label).toBe(severity);
  });

  it('stays within the ASFF limits with the longest identifier and tag values', () => {
    const c = cluster({
      identifier: LONG_ID,
      backtrackWindowSeconds: 0,
      tags: {
        'backtrack-check:exempt': LONG_VALUE,
        'backtrack-check:min-window-hours': LONG_VALUE,
        'backtrack-check:exempt-until': LONG_VALUE,
      },
    });

    const f = findingFor(c);

    expect(f.Title.length).toBeLessThanOrEqual(256);
    expect(f.Description.length).toBeLessThanOrEqual(1024);
    expect(f.Remediation?.Recommendation.Text.length).toBeLessThanOrEqual(512);
    for (const [key, value] of Object.entries(f.ProductFields)) {
      expect(key.length).toBeLessThanOrEqual(128);
      expect(value.length).toBeLessThanOrEqual(2048);
    }
    for (const value of Object.values(f.Resources[0]?.Details.Other ?? {})) expect(value.length).toBeLessThanOrEqual(1024);
  });

  it("keeps at most 50 resource tags, the checker's own first", () => {
    const tags: Record<string, string> = { 'backtrack-check:exempt': 'false' };
    for (let i = 0; i < 60; i++) tags[`team:tag-${i}`] = String(i);

    const f = findingFor(cluster({ tags }));

    expect(Object.keys(f.Resources[0]?.Tags ?? {})).toHaveLength(50);
    expect(f.Resources[0]?.Tags?.['backtrack-check:exempt']).toBe('false');
  });

  describe('with a custom tag prefix and an exemption tag outside it', () => {
    const custom = policy({ tagPrefix: 'ops/backtrack=', exemptTagKey: 'security:waiver' });
    const own = {
      'security:waiver': 'true',
      'ops/backtrack=exempt-reason': 'migration',
      'ops/backtrack=exempt-until': '2026-12-31',
      'ops/backtrack=min-window-hours': '12',
    };
    /** `count` tags in all: the checker's four listed after the cluster's other tags. */
    const tagsWith = (count: number): Record<string, string> => {
      const tags: Record<string, string> = {};
      for (let i = 0; i < count - 4; i++) tags[`team:tag-${i}`] = String(i);
      return { ...tags, ...own };
    };
    const resourceTags = (tags: Record<string, string>) =>
      toFinding(evaluate(cluster({ tags }), custom, NOW), ACCOUNT, NOW, undefined).Resources[0]?.Tags ?? {};

    it('keeps the exemption and policy tags when a cluster has 60 tags, and 50 in all', () => {
      const kept = resourceTags(tagsWith(60));

      expect(Object.keys(kept)).toHaveLength(50);
      expect(kept).toMatchObject(own);
      expect(kept['team:tag-45']).toBe('45');
      expect(kept).not.toHaveProperty('team:tag-46');
    });

    it('keeps every tag of a cluster with exactly 50', () => {
      const tags = tagsWith(50);

      expect(resourceTags(tags)).toEqual(tags);
    });

    it("drops one of the cluster's other tags, not the checker's, at 51", () => {
      const kept = resourceTags(tagsWith(51));

      expect(Object.keys(kept)).toHaveLength(50);
      expect(kept).toMatchObject(own);
      expect(kept).not.toHaveProperty('team:tag-46');
      expect(kept['team:tag-45']).toBe('45');
    });

    it('does not treat tags under the default prefix as its own', () => {
      const tags = { ...tagsWith(60), 'backtrack-check:exempt': 'true' };

      expect(resourceTags(tags)).not.toHaveProperty('backtrack-check:exempt');
    });
  });

  it('names the state in the title and the cluster, engine and Region in the description', () => {
    const f = findingFor(cluster({ backtrackWindowSeconds: 0 }));

    expect(f.Title).toBe('Aurora Backtrack is disabled: orders');
    expect(f.Description).toContain('Cluster orders (aurora-mysql 8.0.mysql_aurora.3.05.2, Region eu-west-1)');
  });

  it('keys the Id on DbClusterResourceId, so a renamed cluster keeps its finding', () => {
    const before = findingFor(cluster({ identifier: 'orders', resourceId: 'cluster-ABC' }));
    const after = findingFor(cluster({ identifier: 'orders-v2', resourceId: 'cluster-ABC' }));
    const other = findingFor(cluster({ identifier: 'orders', resourceId: 'cluster-XYZ' }));

    expect(after.Id).toBe(before.Id);
    expect(other.Id).not.toBe(before.Id);
    expect(before.Id).toBe(findingId(ACCOUNT_ID, 'eu-west-1', 'cluster-ABC'));
  });

  it("uses the product ARN of the cluster's own Region", () => {
    const f = findingFor(cluster({ region: 'ap-southeast-2' }));

    expect(f.ProductArn).toBe('arn:aws:securityhub:ap-southeast-2:111122223333:product/111122223333/default');
    expect(f.Resources[0]?.Region).toBe('ap-southeast-2');
  });

  it('puts window, target, reason and earliest backtrack time in ProductFields and Details.Other', () => {
    const earliest = secondsAgo(30 * HOUR);
    const f = findingFor(cluster({ backtrackWindowSeconds: 172_800, earliestBacktrackTime: earliest }), undefined, {
      windowAlertCount: 0,
      changeRecordsPer5Min: 100,
      source: 'cluster',
    });
    const other = f.Resources[0]?.Details.Other ?? {};

    expect(other).toMatchObject({
      condition: 'ok',
      backtrackWindowSeconds: '172800',
      requiredWindowSeconds: '86400',
      policySource: 'account',
      earliestBacktrackTime: earliest.toISOString(),
      actualWindowSeconds: String(30 * HOUR),
      windowAlertCount24h: '0',
      changeRecordsPerHour: '1200',
    });
    expect(other.reason).toContain('meets the required');
    for (const [key, value] of Object.entries(other)) {
      expect(f.ProductFields[`aurora-backtrack-checker/${key}`]).toBe(value);
    }
    expect(f.Description).toContain('Cost hint: about 1200 change records per hour');
  });

  it('records an absent window as 0 in the fields', () => {
    const f = findingFor(cluster({ backtrackWindowSeconds: undefined }));

    expect(f.Resources[0]?.Details.Other.backtrackWindowSeconds).toBe('0');
  });

  it('carries the state-specific remediation with the Backtrack documentation URL', () => {
    const disabled = findingFor(cluster({ backtrackWindowSeconds: 0 }));
    const below = findingFor(cluster({ backtrackWindowSeconds: 3_600 }));

    expect(disabled.Remediation?.Recommendation.Url).toBe(BACKTRACK_DOC_URL);
    expect(disabled.Remediation?.Recommendation.Text).toContain('restore-db-cluster-to-point-in-time');
    expect(below.Remediation?.Recommendation.Text).toContain('modify-db-cluster');
  });

  it('has no remediation for a passing cluster', () => {
    expect(findingFor(cluster()).Remediation).toBeUndefined();
  });

  it('reports tag problems in the description and the fields', () => {
    const f = findingFor(cluster({ tags: { 'backtrack-check:min-window-hours': 'abc' } }));

    expect(f.Description).toContain('Tag problems:');
    expect(f.Resources[0]?.Details.Other.tagProblems).toContain('backtrack-check:min-window-hours');
  });

  it('creates the finding of an exempt cluster with Workflow SUPPRESSED and the reason and expiry, also as its note', () => {
    const c = cluster({
      backtrackWindowSeconds: 0,
      tags: {
        'backtrack-check:exempt': 'true',
        'backtrack-check:exempt-reason': 'legacy batch',
        'backtrack-check:exempt-until': '2027-01-31',
      },
    });

    const f = findingFor(c);

    expect(f.Workflow).toEqual({ Status: 'SUPPRESSED' });
    expect(f.Compliance.Status).toBe('FAILED');
    expect(f.Description).toContain('Exempt from the Backtrack check until 2027-01-31: legacy batch');
    expect(f.Resources[0]?.Details.Other).toMatchObject({ exempt: 'true', exemptReason: 'legacy batch', exemptUntil: '2027-01-31' });
    expect(f.Note).toEqual({
      Text: 'Exempt from the Backtrack check until 2027-01-31: legacy batch',
      UpdatedBy: 'aurora-backtrack-checker',
      UpdatedAt: NOW.toISOString(),
    });
  });

  it('creates the finding of a cluster that is not exempt with Workflow NEW and no note', () => {
    const f = findingFor(cluster({ backtrackWindowSeconds: 0 }));
    expect(f.Workflow).toEqual({ Status: 'NEW' });
    expect(f.Note).toBeUndefined();
  });

  it('says an expired exemption no longer holds', () => {
    const f = findingFor(cluster({ tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-until': '2026-01-01' } }));

    expect(f.Workflow).toEqual({ Status: 'NEW' });
    expect(f.Resources[0]?.Details.Other).toMatchObject({ exemptionExpired: 'true', exemptUntil: '2026-01-01' });
    expect(f.Description).toContain('The exemption expired (2026-01-01)');
  });

  it('keeps the first-seen time as CreatedAt and this run as UpdatedAt', () => {
    const f = findingFor(cluster(), '2026-10-01T00:00:00.000Z');

    expect(f.CreatedAt).toBe('2026-10-01T00:00:00.000Z');
    expect(f.UpdatedAt).toBe(NOW.toISOString());
  });

  it('builds partition-aware ARNs and console links (aws-us-gov)', () => {
    const gov = { accountId: ACCOUNT_ID, partition: 'aws-us-gov' };
    const c = cluster({ region: 'us-gov-west-1', arn: `arn:aws-us-gov:rds:us-gov-west-1:${ACCOUNT_ID}:cluster:orders` });

    const f = toFinding(evaluate(c, POLICY, NOW), gov, NOW, undefined);

    expect(f.ProductArn).toBe('arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:product/111122223333/default');
    expect(f.Resources[0]).toMatchObject({ Id: c.arn, Partition: 'aws-us-gov' });
    expect(f.SourceUrl).toMatch(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\/rds\//);
  });
});

describe('exemptionNote', () => {
  it('says when there is no expiry and no reason', () => {
    const e = evaluate(cluster({ tags: { 'backtrack-check:exempt': 'true' } }), POLICY, NOW);

    expect(exemptionNote(e)).toBe(
      'Exempt from the Backtrack check until 2027-02-18T12:00:00Z (capped: the longest an exemption may last; the tag gives no expiry): no reason given',
    );
  });

  it('is undefined for a cluster that is not exempt', () => {
    expect(exemptionNote(evaluate(cluster(), POLICY, NOW))).toBeUndefined();
  });

  it('fits the 512 characters of a Security Hub note', () => {
    const e = evaluate(
      cluster({ tags: { 'backtrack-check:exempt': 'true', 'backtrack-check:exempt-reason': 'r'.repeat(600) } }),
      POLICY,
      NOW,
    );

    expect(exemptionNote(e)?.length).toBe(512);
  });
});

describe('archivedFinding', () => {
  it("re-imports a deleted cluster's finding under the same Id with RecordState ARCHIVED", () => {
    const c = cluster({ backtrackWindowSeconds: 0 });
    const s = state({ identifier: c.identifier, resourceId: c.resourceId, since: '2026-11-01T00:00:00.000Z' });

    const f = archivedFinding(s, ACCOUNT, NOW);

    expect(f.Id).toBe(findingFor(c).Id);
    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
      GeneratorId: GENERATOR_ID,
      RecordState: 'ARCHIVED',
      CreatedAt: '2026-11-01T00:00:00.000Z',
      UpdatedAt: NOW.toISOString(),
    });
    expect(f.Resources[0]).toMatchObject({ Type: 'AwsRdsDbCluster', Id: s.arn });
    expect(f.Title).toBe('Aurora cluster deleted: orders');
    expect(f.Description).toContain('no longer exists');
  });

  it('uses the partition of the account', () => {
    const f = archivedFinding(state({ region: 'us-gov-east-1' }), { accountId: ACCOUNT_ID, partition: 'aws-us-gov' }, NOW);

    expect(f.ProductArn).toBe('arn:aws-us-gov:securityhub:us-gov-east-1:111122223333:product/111122223333/default');
    expect(f.Resources[0]?.Partition).toBe('aws-us-gov');
  });
});

describe('archivedFinding of a Region no longer watched', () => {
  it('is ARCHIVED and says the cluster is no longer checked, not that it was deleted', () => {
    const s = state({ identifier: 'stockholm-orders', region: 'eu-north-1' });

    const f = archivedFinding(s, ACCOUNT, NOW, 'unwatched');

    expect(f.RecordState).toBe('ARCHIVED');
    expect(f.Id).toBe(archivedFinding(s, ACCOUNT, NOW).Id);
    expect(f.Title).toBe('Aurora cluster no longer checked: stockholm-orders');
    expect(f.Description).toBe(
      'Cluster stockholm-orders (Region eu-north-1) is no longer checked: the checker no longer watches Region eu-north-1; its last verdict was FAILED (disabled). The finding is archived.',
    );
    expect(f.Resources[0]?.Details.Other).toEqual({ unwatched: 'true' });
    expect(f.ProductFields['aurora-backtrack-checker/condition']).toBe('unwatched');
    expect(f.FindingProviderFields.Severity.Original).toBe('unwatched');
  });
});
