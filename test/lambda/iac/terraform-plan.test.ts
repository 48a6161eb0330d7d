import * as fs from 'node:fs';
import * as path from 'node:path';
import { judgeDeclared } from '../../../lambda/core/declared';
import { Unknown } from '../../../lambda/iac/cloudformation-cluster';
import { clustersOfPlan, isTerraformPlan, type TerraformPlan } from '../../../lambda/iac/terraform-plan';
import { NOW, policy } from '../fixtures';

const PLAN = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'iac', 'plan.json'), 'utf8')) as TerraformPlan;

const verdicts = (plan: TerraformPlan, region: string | Unknown = new Unknown('no --region')) =>
  Object.fromEntries(
    clustersOfPlan(plan, 'plan.json', region).map((r) => {
      const e = judgeDeclared(r.declared, policy({ minWindowHours: 24 }), NOW, r.fix);
      return [r.logicalId, { status: e.status, condition: e.condition, region: e.cluster.region, reason: e.reason, fix: e.remediation }];
    }),
  );

describe('Terraform plan (terraform show -json)', () => {
  it('recognises a plan document', () => {
    expect(isTerraformPlan(PLAN)).toBe(true);
    expect(isTerraformPlan({ Resources: {} })).toBe(false);
  });

  it('judges each aws_rds_cluster by its address, in the provider region, with the Terraform fix', () => {
    const v = verdicts(PLAN);
    expect(v['module.db.aws_rds_cluster.main']).toMatchObject({ status: 'FAILED', condition: 'disabled', region: 'eu-west-1' });
    expect(v['module.db.aws_rds_cluster.main']?.fix).toContain('set backtrack_window = 86400');
    expect(v['aws_rds_cluster.ok']).toMatchObject({ status: 'PASSED' });
  });

  it('does not judge a delete-only change', () => {
    expect(Object.keys(verdicts(PLAN))).not.toContain('aws_rds_cluster.gone');
  });

  it('reports a value known only after apply as unknown', () => {
    expect(verdicts(PLAN)['aws_rds_cluster.later']).toMatchObject({ status: 'WARNING', condition: 'unknown' });
    expect(verdicts(PLAN)['aws_rds_cluster.later']?.reason).toContain('backtrack_window is known only after apply');
  });

  it('takes a global_cluster_identifier known only after apply as a global member (NOT_AVAILABLE)', () => {
    expect(verdicts(PLAN)['aws_rds_cluster.secondary']).toMatchObject({ status: 'NOT_AVAILABLE' });
    const named: TerraformPlan = {
      format_version: '1.2',
      resource_changes: [
        {
          address: 'aws_rds_cluster.member',
          type: 'aws_rds_cluster',
          change: { actions: ['create'], after: { engine: 'aurora-mysql', global_cluster_identifier: 'orders-global' } },
        },
      ],
    };
    expect(verdicts(named, 'eu-west-1')['aws_rds_cluster.member']?.reason).toContain('"orders-global"');
  });

  it('uses --region when the provider names none, and a resource region (provider v6) before the provider', () => {
    const bare: TerraformPlan = {
      format_version: '1.2',
      resource_changes: [
        { address: 'aws_rds_cluster.a', type: 'aws_rds_cluster', change: { actions: ['create'], after: { engine: 'aurora-mysql' } } },
        {
          address: 'aws_rds_cluster.b',
          type: 'aws_rds_cluster',
          change: { actions: ['create'], after: { engine: 'aurora-mysql', region: 'sa-east-1' } },
        },
      ],
    };
    const v = verdicts(bare, 'eu-west-1');
    expect(v['aws_rds_cluster.a']).toMatchObject({ region: 'eu-west-1', status: 'FAILED' });
    expect(v['aws_rds_cluster.b']).toMatchObject({ region: 'sa-east-1', status: 'NOT_AVAILABLE' });
    expect(verdicts(bare)['aws_rds_cluster.a']).toMatchObject({ condition: 'unknown' });
  });

  it('fails a copy-on-write clone of a planned cluster without Backtrack', () => {
    const plan: TerraformPlan = {
      format_version: '1.2',
      resource_changes: [
        {
          address: 'aws_rds_cluster.src',
          type: 'aws_rds_cluster',
          change: { actions: ['create'], after: { engine: 'aurora-mysql', cluster_identifier: 'src', backtrack_window: 0 } },
        },
        {
          address: 'aws_rds_cluster.clone',
          type: 'aws_rds_cluster',
          change: {
            actions: ['create'],
            after: {
              engine: 'aurora-mysql',
              backtrack_window: 86400,
              restore_to_point_in_time: [{ source_cluster_identifier: 'src', restore_type: 'copy-on-write' }],
            },
          },
        },
      ],
    };
    expect(verdicts(plan, 'eu-west-1')['aws_rds_cluster.clone']?.reason).toContain('copy-on-write clone of src');
  });
});
