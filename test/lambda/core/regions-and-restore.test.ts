import { buildAlert } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import { toFinding } from '../../../lambda/core/finding';
import { CUT_OVER_PROCEDURE, restoreCommand } from '../../../lambda/core/remediation';
import { REGION_SOURCES, REGIONS_WITHOUT_BACKTRACK } from '../../../lambda/core/rules';
import type { ClusterFacts, RestoreSettings } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY, policy } from '../fixtures';

const KNOWLEDGE_CENTER = ['af-south-1', 'cn-northwest-1', 'ap-east-1', 'eu-south-1', 'eu-north-1', 'me-south-1', 'sa-east-1'];
const BACKTRACK_GUIDE = ['eu-central-2'];
const CONFIG_RULE = [
  'ap-southeast-3',
  'me-central-1',
  'ap-south-2',
  'ap-southeast-4',
  'il-central-1',
  'ca-west-1',
  'eu-south-2',
  'ap-southeast-6',
  'cn-north-1',
  'us-gov-east-1',
  'us-gov-west-1',
];

describe('Regions without Backtrack', () => {
  it("lists each Region with its source: the Knowledge Center page, the Backtrack guide's Region table (Zurich), or the Config rule list marked unverified", () => {
    expect(Object.keys(REGIONS_WITHOUT_BACKTRACK).sort()).toEqual([...KNOWLEDGE_CENTER, ...BACKTRACK_GUIDE, ...CONFIG_RULE].sort());
    for (const r of BACKTRACK_GUIDE) expect(REGIONS_WITHOUT_BACKTRACK[r]?.source).toBe('backtrack-guide');
    expect(REGION_SOURCES['backtrack-guide'].unverified).toBe(false);
    for (const r of KNOWLEDGE_CENTER) expect(REGIONS_WITHOUT_BACKTRACK[r]?.source).toBe('knowledge-center');
    for (const r of CONFIG_RULE) expect(REGIONS_WITHOUT_BACKTRACK[r]?.source).toBe('config-rule');
    expect(REGION_SOURCES['config-rule'].unverified).toBe(true);
    expect(REGION_SOURCES['knowledge-center'].unverified).toBe(false);
  });

  it.each([...KNOWLEDGE_CENTER, ...BACKTRACK_GUIDE, ...CONFIG_RULE])(
    'judges a disabled Aurora MySQL cluster in %s NOT_AVAILABLE with the reason, source and no remediation',
    (region) => {
      const e = evaluate(cluster({ region, backtrackWindowSeconds: 0 }), POLICY, NOW);

      expect(e).toMatchObject({
        scope: 'in-scope',
        status: 'NOT_AVAILABLE',
        condition: 'unsupported',
        severity: 'INFORMATIONAL',
        remediation: '',
      });
      expect(e.reason).toContain(`AWS does not offer Backtrack in ${region}`);
      const source = REGION_SOURCES[REGIONS_WITHOUT_BACKTRACK[region]?.source ?? 'config-rule'];
      expect(e.reason).toContain(source.url);
      expect(e.reasonSource).toBe(source.url);
    },
  );

  it('puts the reason and its source in the finding, with no remediation', () => {
    const f = toFinding(evaluate(cluster({ region: 'eu-north-1', backtrackWindowSeconds: 0 }), POLICY, NOW), ACCOUNT, NOW, undefined);

    expect(f.Compliance.Status).toBe('NOT_AVAILABLE');
    expect(f.Remediation).toBeUndefined();
    expect(f.Resources[0]?.Details.Other.reasonSource).toBe(REGION_SOURCES['knowledge-center'].url);
    expect(f.Description).toContain('AWS does not offer Backtrack in eu-north-1 (Europe (Stockholm))');
  });

  it('judges a cluster normally in a Region marked with backtrackRegions', () => {
    const e = evaluate(cluster({ region: 'eu-north-1', backtrackWindowSeconds: 0 }), policy({ backtrackRegions: ['eu-north-1'] }), NOW);

    expect(e).toMatchObject({ status: 'FAILED', condition: 'disabled' });
  });

  it('judges a cluster in a Region with Backtrack (eu-west-1) normally', () => {
    expect(evaluate(cluster({ region: 'eu-west-1', backtrackWindowSeconds: 0 }), POLICY, NOW).status).toBe('FAILED');
  });
});

describe('parallel query', () => {
  it('judges engine mode parallelquery NOT_AVAILABLE with the reason', () => {
    const e = evaluate(
      cluster({ engine: 'aurora', engineVersion: '5.6.10a', engineMode: 'parallelquery', backtrackWindowSeconds: 0 }),
      POLICY,
      NOW,
    );

    expect(e).toMatchObject({ status: 'NOT_AVAILABLE', condition: 'unsupported', remediation: '' });
    expect(e.reason).toContain('parallelquery');
  });
});

const NETWORK: RestoreSettings = {
  dbSubnetGroup: 'db-private',
  vpcSecurityGroupIds: ['sg-0a1', 'sg-0b2'],
  dbClusterParameterGroup: 'orders-params',
  kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  port: 3307,
  deletionProtection: true,
  iamDatabaseAuthentication: true,
  cloudwatchLogsExports: ['audit', 'error', 'slowquery'],
};
const disabled = (restore?: RestoreSettings): ClusterFacts => cluster({ backtrackWindowSeconds: 0, ...(restore && { restore }) });

describe('restore command for a disabled cluster', () => {
  it('repeats the source cluster subnet group, security groups, parameter group, KMS key, port and settings', () => {
    expect(restoreCommand(disabled(NETWORK), 86_400)).toBe(
      'aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier orders --db-cluster-identifier orders-bt ' +
        '--restore-type full-copy --use-latest-restorable-time --backtrack-window 86400 --db-subnet-group-name db-private ' +
        '--vpc-security-group-ids sg-0a1 sg-0b2 --db-cluster-parameter-group-name orders-params ' +
        '--kms-key-id arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --port 3307 ' +
        '--deletion-protection --enable-iam-database-authentication --enable-cloudwatch-logs-exports audit error slowquery --region eu-west-1',
    );
  });

  it('leaves out the flags of settings the source does not have', () => {
    const cmd = restoreCommand(
      disabled({ vpcSecurityGroupIds: [], deletionProtection: false, iamDatabaseAuthentication: false, cloudwatchLogsExports: [] }),
      3600,
    );

    expect(cmd).not.toMatch(/--db-subnet-group-name|--vpc-security-group-ids|--kms-key-id|--port|--deletion-protection|--enable-/);
  });

  it('keeps Remediation.Recommendation.Text within 512 characters without cutting the command: the whole command is in the finding fields', () => {
    const long: RestoreSettings = { ...NETWORK, vpcSecurityGroupIds: Array.from({ length: 5 }, (_, i) => `sg-0123456789abcdef${i}`) };
    const e = evaluate(disabled(long), POLICY, NOW);
    const f = toFinding(e, ACCOUNT, NOW, undefined);

    const text = f.Remediation?.Recommendation.Text ?? '';
    expect(e.remediation.length).toBeGreaterThan(512);
    expect(text.length).toBeLessThanOrEqual(512);
    expect(text).not.toContain('…');
    expect(f.ProductFields['aurora-backtrack-checker/fixCommand']).toBe(e.fixCommand);
    expect(Object.values(f.Resources[0]?.Details.Other ?? {}).every((v) => v.length < 1024)).toBe(true);
  });
});

describe('the alert for disabled clusters', () => {
  const events = Array.from({ length: 7 }, (_, i) => ({
    kind: 'new-failure' as const,
    regression: false,
    evaluation: evaluate(cluster({ identifier: `orders-${i}`, backtrackWindowSeconds: 0, restore: NETWORK }), POLICY, NOW),
  }));
  const alert = buildAlert({ account: ACCOUNT, now: NOW, events, degraded: [], recovered: [] });
  const card = JSON.parse(alert?.default ?? '{}') as { content: { description: string; nextSteps: string[] } };

  it('states the cut-over procedure once per e-mail and a short command per cluster', () => {
    expect(alert?.email.split(CUT_OVER_PROCEDURE)).toHaveLength(2);
    for (const e of events) expect(alert?.email).toContain(`  Fix: ${e.evaluation.fixCommand}`);
  });

  it('gives Slack whole next steps only, and says "and N more" when they do not all fit', () => {
    expect(card.content.nextSteps).toHaveLength(5);
    expect(card.content.nextSteps.at(-1)).toBe('… and 3 more: see the e-mail or Security Hub');
    for (const s of card.content.nextSteps.slice(0, 4)) {
      expect(s.length).toBeLessThanOrEqual(280);
      expect(s).toMatch(
        /^orders-\d \(eu-west-1\): restore into a new cluster with a window — the full command is in the e-mail and in the finding$/,
      );
    }
  });

  it('links every cluster line to its console page and the card to the Security Hub findings of the Region', () => {
    for (const e of events) {
      expect(card.content.description).toContain(
        `• *${e.evaluation.cluster.identifier}* (eu-west-1): Backtrack disabled — <https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=${e.evaluation.cluster.identifier};is-cluster=true|console>`,
      );
    }
    expect(card.content.description).toMatch(
      /Findings in Security Hub: <https:\/\/eu-west-1\.console\.aws\.amazon\.com\/securityhub\/home\?region=eu-west-1#\/findings\?search=ProductName[^|]*\|eu-west-1>$/,
    );
  });
});
