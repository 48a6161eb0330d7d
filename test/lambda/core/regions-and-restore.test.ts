import { buildAlert } from '../../../lambda/core/alert';
import { evaluate } from '../../../lambda/core/evaluate';
import { toFinding } from '../../../lambda/core/finding';
import { afterRestoreCommands, CUT_OVER_PROCEDURE, NOT_CARRIED, restoreCommand } from '../../../lambda/core/remediation';
import { REGION_SOURCES, REGIONS_WITH_BACKTRACK, REGIONS_WITHOUT_BACKTRACK } from '../../../lambda/core/rules';
import type { ClusterFacts, RestoreSettings } from '../../../lambda/core/types';
import { ACCOUNT, cluster, NOW, POLICY, policy } from '../fixtures';

/** The Backtrack guide's Region table: "–" for every version (and also on the Knowledge Center page). */
const GUIDE_AND_KNOWLEDGE_CENTER = ['af-south-1', 'cn-northwest-1', 'ap-east-1', 'eu-south-1', 'eu-north-1', 'me-south-1', 'sa-east-1'];
/** The Backtrack guide's Region table only. */
const GUIDE_ONLY = ['ap-southeast-3', 'cn-north-1', 'eu-south-2', 'eu-central-2', 'me-central-1', 'us-gov-east-1', 'us-gov-west-1'];
/** Only the Config rule's absence (unverified as a statement about Backtrack). */
const CONFIG_RULE = ['ap-south-2', 'ap-southeast-4', 'il-central-1', 'ca-west-1', 'ap-southeast-6'];
const WITHOUT = [...GUIDE_AND_KNOWLEDGE_CENTER, ...GUIDE_ONLY, ...CONFIG_RULE];
/** The Backtrack guide's Region table: offered. */
const OFFERED = [
  'us-east-2',
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-3',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
];
/** Newer than the guide's table, in neither list. */
const UNDOCUMENTED = ['ap-southeast-5', 'ap-southeast-7', 'mx-central-1', 'ap-east-2'];

describe('Regions without Backtrack', () => {
  it('cites the Backtrack guide\'s Region table for every Region it marks "–", the Knowledge Center page as a second source where it names the Region too', () => {
    for (const r of [...GUIDE_AND_KNOWLEDGE_CENTER, ...GUIDE_ONLY]) expect(REGIONS_WITHOUT_BACKTRACK[r]?.source).toBe('backtrack-guide');
    for (const r of GUIDE_AND_KNOWLEDGE_CENTER) expect(REGIONS_WITHOUT_BACKTRACK[r]?.alsoIn).toBe('knowledge-center');
    for (const r of GUIDE_ONLY) expect(REGIONS_WITHOUT_BACKTRACK[r]?.alsoIn).toBeUndefined();
    expect(REGION_SOURCES['backtrack-guide'].unverified).toBe(false);
    expect(REGION_SOURCES['knowledge-center'].unverified).toBe(false);
  });

  it('keeps the Regions that rest only on the Config rule, marked unverified, and lists nothing else', () => {
    for (const r of CONFIG_RULE) expect(REGIONS_WITHOUT_BACKTRACK[r]?.source).toBe('config-rule');
    expect(REGION_SOURCES['config-rule'].unverified).toBe(true);
    expect(Object.keys(REGIONS_WITHOUT_BACKTRACK).sort()).toEqual([...WITHOUT].sort());
  });

  it("lists the Regions where the Backtrack guide's table offers it, with that source, and none of them as without", () => {
    expect(Object.keys(REGIONS_WITH_BACKTRACK).sort()).toEqual([...OFFERED].sort());
    for (const r of OFFERED) {
      expect(REGIONS_WITH_BACKTRACK[r]?.source).toBe('backtrack-guide');
      expect(REGIONS_WITHOUT_BACKTRACK[r]).toBeUndefined();
    }
  });

  it.each(WITHOUT)('judges a disabled Aurora MySQL cluster in %s NOT_AVAILABLE with the reason, source and no remediation', (region) => {
    const e = evaluate(cluster({ region, backtrackWindowSeconds: 0 }), POLICY, NOW);

    expect(e).toMatchObject({
      scope: 'in-scope',
      status: 'NOT_AVAILABLE',
      condition: 'unsupported',
      severity: 'INFORMATIONAL',
      remediation: '',
    });
    expect(e.reason).toContain(`AWS does not offer Backtrack in ${region}`);
    const entry = REGIONS_WITHOUT_BACKTRACK[region];
    const source = REGION_SOURCES[entry?.source ?? 'config-rule'];
    expect(e.reason).toContain(source.url);
    if (entry?.alsoIn) expect(e.reason).toContain(`(also: ${REGION_SOURCES[entry.alsoIn].title}`);
    expect(e.reasonSource).toBe(source.url);
  });

  it.each(['eu-south-2', 'ap-southeast-3', 'me-central-1', 'cn-north-1', 'us-gov-east-1', 'us-gov-west-1'])(
    "cites the Backtrack guide's Region table (not the Config rule) for %s",
    (region) => {
      const e = evaluate(cluster({ region, backtrackWindowSeconds: 0 }), POLICY, NOW);

      expect(e.reasonSource).toBe(REGION_SOURCES['backtrack-guide'].url);
      expect(e.reason).not.toContain('unverified');
    },
  );

  it('puts the reason and its sources in the finding, with no remediation', () => {
    const f = toFinding(evaluate(cluster({ region: 'eu-north-1', backtrackWindowSeconds: 0 }), POLICY, NOW), ACCOUNT, NOW, undefined);

    expect(f.Compliance.Status).toBe('NOT_AVAILABLE');
    expect(f.Remediation).toBeUndefined();
    expect(f.Resources[0]?.Details.Other.reasonSource).toBe(REGION_SOURCES['backtrack-guide'].url);
    expect(f.Description).toContain('AWS does not offer Backtrack in eu-north-1 (Europe (Stockholm))');
    expect(f.Description).toContain(REGION_SOURCES['knowledge-center'].url);
  });

  it('judges a cluster normally in a Region marked with backtrackRegions', () => {
    const e = evaluate(cluster({ region: 'eu-north-1', backtrackWindowSeconds: 0 }), policy({ backtrackRegions: ['eu-north-1'] }), NOW);

    expect(e).toMatchObject({ status: 'FAILED', condition: 'disabled' });
  });

  it.each(OFFERED)('judges a disabled cluster in %s (Backtrack offered) FAILED, fixable', (region) => {
    expect(evaluate(cluster({ region, backtrackWindowSeconds: 0 }), POLICY, NOW)).toMatchObject({
      status: 'FAILED',
      condition: 'disabled',
    });
  });
});

describe("Regions AWS does not document (newer than the Backtrack guide's table)", () => {
  it.each(UNDOCUMENTED)(
    'judges a cluster with window 0 in %s WARNING, neither fixable nor "not available", naming backtrackRegions',
    (region) => {
      const e = evaluate(cluster({ region, backtrackWindowSeconds: 0 }), POLICY, NOW);

      expect(e).toMatchObject({ scope: 'in-scope', status: 'WARNING', condition: 'region-undocumented', severity: 'LOW' });
      expect(e.reason).toContain(`AWS does not document whether Backtrack is offered in ${region}`);
      expect(e.reason).toContain('mark the Region with backtrackRegions and this becomes FAILED');
      expect(e.fixCommand).toBeUndefined();
      expect(e.reasonSource).toBe(REGION_SOURCES['backtrack-guide'].url);
    },
  );

  it('judges a cluster there with a window > 0 normally: the window proves Backtrack is offered', () => {
    expect(evaluate(cluster({ region: 'mx-central-1', backtrackWindowSeconds: 86_400 }), POLICY, NOW).status).toBe('PASSED');
    expect(evaluate(cluster({ region: 'mx-central-1', backtrackWindowSeconds: 3_600 }), POLICY, NOW)).toMatchObject({
      status: 'FAILED',
      condition: 'below-policy',
    });
  });

  it('judges a cluster with window 0 there FAILED, with the restore, once the Region is marked with backtrackRegions', () => {
    const e = evaluate(
      cluster({ region: 'ap-southeast-5', backtrackWindowSeconds: 0 }),
      policy({ backtrackRegions: ['ap-southeast-5'] }),
      NOW,
    );

    expect(e).toMatchObject({ status: 'FAILED', condition: 'disabled' });
    expect(e.fixCommand).toContain('restore-db-cluster-to-point-in-time');
  });

  it('gives the finding its own title and a remediation without a command', () => {
    const f = toFinding(evaluate(cluster({ region: 'ap-east-2', backtrackWindowSeconds: 0 }), POLICY, NOW), ACCOUNT, NOW, undefined);

    expect(f.Title).toBe('Aurora Backtrack is off in a Region AWS does not document: orders');
    expect(f.Compliance.Status).toBe('WARNING');
    expect(f.Remediation?.Recommendation.Text).toContain('list ap-east-2 in the setting backtrackRegions');
    expect(f.Remediation?.Recommendation.Text).not.toContain('aws rds');
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
const ALL_SETTINGS: RestoreSettings = {
  ...NETWORK,
  storageType: 'aurora-iopt1',
  serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 16, secondsUntilAutoPause: 300 },
  copyTagsToSnapshot: true,
  backupRetentionPeriod: 14,
  preferredBackupWindow: '03:00-03:30',
  preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
  associatedRoles: [
    { roleArn: 'arn:aws:iam::111122223333:role/s3-import', featureName: 's3Import' },
    { roleArn: 'arn:aws:iam::111122223333:role/other' },
  ],
  engineVersion: '8.0.mysql_aurora.3.05.2',
};
const disabled = (restore?: RestoreSettings): ClusterFacts => cluster({ backtrackWindowSeconds: 0, ...(restore && { restore }) });

describe('restore command for a disabled cluster', () => {
  it('repeats the source cluster subnet group, security groups, parameter group, KMS key, port and settings', () => {
    expect(restoreCommand(disabled(NETWORK), 86_400)).toBe(
      'aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier orders --db-cluster-identifier orders-bt ' +
        '--restore-type full-copy --use-latest-restorable-time --backtrack-window 86400 --db-subnet-group-name db-private ' +
        '--vpc-security-group-ids sg-0a1 sg-0b2 --db-cluster-parameter-group-name orders-params ' +
        '--kms-key-id arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --port 3307 ' +
        '--deletion-protection --enable-iam-database-authentication --enable-cloudwatch-logs-exports audit error slowquery ' +
        `--tags '[{"Key":"backtrack-check:restored-from","Value":"arn:aws:rds:eu-west-1:111122223333:cluster:orders"}]' --region eu-west-1`,
    );
  });

  it('carries the storage type, the Serverless v2 capacity and copy-tags-to-snapshot, so an I/O-Optimized source does not come back Standard', () => {
    const cmd = restoreCommand(disabled(ALL_SETTINGS), 86_400);

    expect(cmd).toContain(' --storage-type aurora-iopt1 ');
    expect(cmd).toContain(' --serverless-v2-scaling-configuration MinCapacity=0.5,MaxCapacity=16,SecondsUntilAutoPause=300 ');
    expect(cmd).toContain(' --copy-tags-to-snapshot ');
  });

  it("carries the source's tags, shell-quoted and inert, plus one naming the source under the configured prefix", () => {
    const tags = { team: "o'brien; rm -rf / $(whoami) `id`", 'cost centre': 'a,b=c' };
    const cmd = restoreCommand(cluster({ backtrackWindowSeconds: 0, tags }), 86_400, { tagPrefix: 'acme:', exemptTagKey: 'acme:exempt' });
    const quoted = / --tags '((?:[^']|'\\'')*)' --region eu-west-1$/.exec(cmd);

    expect(quoted).not.toBeNull();
    // What the shell hands the CLI: one JSON argument, the tags as given.
    const arg = (quoted?.[1] ?? '').replace(/'\\''/g, "'");
    expect(JSON.parse(arg)).toEqual([
      { Key: 'team', Value: "o'brien; rm -rf / $(whoami) `id`" },
      { Key: 'cost centre', Value: 'a,b=c' },
      { Key: 'acme:restored-from', Value: 'arn:aws:rds:eu-west-1:111122223333:cluster:orders' },
    ]);
  });

  it('leaves out the tags AWS reserves (aws:…), which a restore call may not set', () => {
    const tags = { 'aws:cloudformation:stack-name': 'db', 'AWS:Other': 'x', team: 'a' };
    const cmd = restoreCommand(cluster({ backtrackWindowSeconds: 0, tags }), 86_400);
    expect(cmd).not.toMatch(/aws:cloudformation|AWS:Other/);
    expect(cmd).toContain('{"Key":"team","Value":"a"}');
  });

  it("leaves the source's exemption tags behind: the exemption was granted for a cluster without Backtrack", () => {
    const tags = {
      'backtrack-check:exempt': 'true',
      'backtrack-check:exempt-reason': 'batch',
      'backtrack-check:exempt-until': '2099-01-01',
      team: 'a',
    };
    const cmd = restoreCommand(cluster({ backtrackWindowSeconds: 0, tags }), 86_400);

    expect(cmd).toContain(
      `--tags '[{"Key":"team","Value":"a"},{"Key":"backtrack-check:restored-from","Value":"arn:aws:rds:eu-west-1:111122223333:cluster:orders"}]'`,
    );
  });

  it('adds no restored-from tag when the source already has 50 tags (AWS allows 50)', () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const cmd = restoreCommand(cluster({ backtrackWindowSeconds: 0, tags }), 86_400);

    expect(cmd).not.toContain('restored-from');
  });

  it('sets backup retention, both preferred windows and the IAM roles on the new cluster after the restore, once it is available', () => {
    expect(afterRestoreCommands(disabled(ALL_SETTINGS))).toEqual([
      'aws rds wait db-cluster-available --db-cluster-identifier orders-bt --region eu-west-1',
      'aws rds modify-db-cluster --db-cluster-identifier orders-bt --backup-retention-period 14 --preferred-backup-window 03:00-03:30 ' +
        '--preferred-maintenance-window sun:05:00-sun:05:30 --apply-immediately --region eu-west-1',
      'aws rds add-role-to-db-cluster --db-cluster-identifier orders-bt --role-arn arn:aws:iam::111122223333:role/s3-import ' +
        '--feature-name s3Import --region eu-west-1',
      'aws rds add-role-to-db-cluster --db-cluster-identifier orders-bt --role-arn arn:aws:iam::111122223333:role/other --region eu-west-1',
    ]);
    expect(afterRestoreCommands(disabled(NETWORK))).toEqual([]);
  });

  it("states what a restore cannot carry (instances, endpoints' names) and the engine version, with the commands after it and the migrate command", () => {
    const e = evaluate(disabled(ALL_SETTINGS), POLICY, NOW);

    expect(e.followUpCommands).toEqual(afterRestoreCommands(disabled(ALL_SETTINGS)));
    expect(e.remediation).toContain(`then, once it is available: ${e.followUpCommands?.join('; ')};`);
    expect(e.remediation).toContain(NOT_CARRIED);
    expect(NOT_CARRIED).toMatch(/neither the instances .* nor the endpoints' names .*source's engine version/);
    expect(e.migrateCommand).toBe('aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24');
    expect(CUT_OVER_PROCEDURE).toContain(NOT_CARRIED);
    expect(CUT_OVER_PROCEDURE).toContain('a window once set to 0 can never be raised again on it');
  });

  it('puts the restore, the commands after it and the migrate command in the alert e-mail', () => {
    const e = evaluate(disabled(ALL_SETTINGS), POLICY, NOW);
    const alert = buildAlert({
      account: ACCOUNT,
      now: NOW,
      events: [{ kind: 'new-failure', regression: false, evaluation: e }],
      degraded: [],
      recovered: [],
    });

    expect(alert?.email).toContain(
      [
        `  Fix: ${e.fixCommand}`,
        '  Then, once orders-bt is available:',
        ...(e.followUpCommands ?? []).map((c) => `    ${c}`),
        '  Or plan it with: aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24',
      ].join('\n'),
    );
  });

  it('keeps the follow-up commands and the migrate command whole in the finding fields', () => {
    const f = toFinding(evaluate(disabled(ALL_SETTINGS), POLICY, NOW), ACCOUNT, NOW, undefined);
    const other = f.Resources[0]?.Details.Other ?? {};

    expect(other.followUpCommands).toBe(afterRestoreCommands(disabled(ALL_SETTINGS)).join(' && '));
    expect(other.migrateCommand).toBe('aurora-backtrack-check migrate --cluster orders --region eu-west-1 --window-hours 24');
    expect(f.Remediation?.Recommendation.Text.length).toBeLessThanOrEqual(512);
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
        /^orders-(\d) \(eu-west-1\): restore into a new cluster with a window — plan it with aurora-backtrack-check migrate --cluster orders-\1 --region eu-west-1 --window-hours 24; the full command is in the e-mail and in the finding$/,
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
