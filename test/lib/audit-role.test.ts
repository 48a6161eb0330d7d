import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NOTE_AUTHOR } from '../../lambda/core/finding';
import { AUDIT_ROLE_NAME, AuditRole, type AuditRoleProps } from '../../lib/audit-role';
import { asList, logicalIdOf, statementsOfRole } from './stack-fixture';

const SECURITY_ACCOUNT = '999988887777';

function synth(props: Partial<AuditRoleProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Member', { env: { account: '111122223333', region: 'eu-west-1' } });
  const audit = new AuditRole(stack, 'Audit', { trustedAccountId: SECURITY_ACCOUNT, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, audit, template, statements: statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'AuditRole')) };
}

describe('AuditRole', () => {
  it('may be assumed by the security account only, under the name the CLI is given', () => {
    const { template } = synth();

    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: AUDIT_ROLE_NAME,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${SECURITY_ACCOUNT}:root`]] } },
            Condition: Match.absent(),
          },
        ],
      },
    });
  });

  it('requires the external id when one is given', () => {
    const { template } = synth({ externalId: 'backtrack-audit-7', roleName: 'OrgAudit' });

    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'OrgAudit',
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { StringEquals: { 'sts:ExternalId': 'backtrack-audit-7' } } })],
      },
    });
  });

  it('refuses a trusted account that is not 12 digits', () => {
    expect(() => synth({ trustedAccountId: '12345' })).toThrow('AuditRole trustedAccountId: "12345" is not a 12-digit account id');
  });

  it("grants exactly the scan's reads and the findings' import and workflow calls", () => {
    const { statements } = synth();

    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual([
      'cloudwatch:GetMetricData',
      'ec2:DescribeRegions',
      'rds:DescribeDBClusters',
      'securityhub:BatchImportFindings',
      'securityhub:BatchUpdateFindings',
    ]);
    const update = statements.find((s) => s.Sid === 'UpdateFindingWorkflow');
    expect(update?.Condition).toMatchObject({
      StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NEW', 'SUPPRESSED'] },
      StringEqualsIfExists: { 'securityhub:ASFFSyntaxPath/Note.UpdatedBy': NOTE_AUTHOR },
    });
  });

  it("imports only into the account's own product, in the listed Regions", () => {
    const { statements } = synth({ regions: ['eu-west-1'] });

    expect(statements.find((s) => s.Sid === 'ImportFindings')?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111122223333:product/111122223333/default']],
    });
  });

  it('grants no Security Hub call when the CLI will not publish findings', () => {
    const { statements } = synth({ publishFindings: false });

    expect(statements.flatMap((s) => asList(s.Action)).filter((a) => String(a).startsWith('securityhub:'))).toEqual([]);
  });

  it.each([
    ['every Region', {}],
    ['listed Regions', { regions: ['eu-west-1', 'us-east-1'] }],
    ['read only', { publishFindings: false }],
  ])('is cdk-nag clean, every wildcard acknowledged with a reason (%s)', (_name, props) => {
    const { app } = synth(props);

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
