import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AUDIT_ROLE_NAME, AuditRole, type AuditRoleProps } from '../../lib/audit-role';
import { asList, logicalIdOf, statementsOfRole } from './stack-fixture';

const SECURITY_ACCOUNT = '999988887777';
const AUDITOR = `arn:aws:iam::${SECURITY_ACCOUNT}:role/SecurityAudit`;

function synth(props: Partial<AuditRoleProps> = {}) {
  // A plain app, as in a user's own; without aws-cdk-lib's built-in CloudFormation validation, which
  // costs seconds a file and is run on each stack kind in template-validation.test.ts.
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Member', { env: { account: '111122223333', region: 'eu-west-1' } });
  const audit = new AuditRole(stack, 'Audit', { trustedPrincipalArn: AUDITOR, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, audit, template, statements: statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', 'AuditRole')) };
}

describe('AuditRole', () => {
  it('may be assumed by one principal of the security account only (aws:PrincipalArn), under the name the CLI is given', () => {
    const { template } = synth();

    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: AUDIT_ROLE_NAME,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${SECURITY_ACCOUNT}:root`]] } },
            Condition: { ArnEquals: { 'aws:PrincipalArn': AUDITOR } },
          },
        ],
      },
    });
  });

  it('trusts an IAM Identity Center role by its ARN with the reserved path', () => {
    const sso = `arn:aws:iam::${SECURITY_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Audit_0123456789abcdef`;
    const { template } = synth({ trustedPrincipalArn: sso });

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Condition: { ArnEquals: { 'aws:PrincipalArn': sso } } })] },
    });
  });

  it('requires the external id when one is given', () => {
    const { template } = synth({ externalId: 'backtrack-audit-7', roleName: 'OrgAudit' });

    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'OrgAudit',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: { StringEquals: { 'sts:ExternalId': 'backtrack-audit-7' }, ArnEquals: { 'aws:PrincipalArn': AUDITOR } },
          }),
        ],
      },
    });
  });

  it.each([
    ['an account root', `arn:aws:iam::${SECURITY_ACCOUNT}:root`, "an account's root trusts every principal of that account"],
    ['a wildcard', `arn:aws:iam::${SECURITY_ACCOUNT}:role/*`, 'wildcards are not allowed'],
    [
      'an assumed-role session',
      `arn:aws:sts::${SECURITY_ACCOUNT}:assumed-role/SecurityAudit/alice`,
      'an sts assumed-role session ARN changes with each session: name the role',
    ],
    ['an account id', SECURITY_ACCOUNT, 'is not an IAM role or user ARN'],
    ['a short account id', 'arn:aws:iam::12345:role/SecurityAudit', 'is not an IAM role or user ARN'],
  ])('stops synth for a trusted principal that is %s, saying why', (_name, arn, why) => {
    expect(() => synth({ trustedPrincipalArn: arn })).toThrow(`AuditRole trustedPrincipalArn: "${arn}" ${why}`);
  });

  it("is read-only by default: the scan's reads and nothing of Security Hub", () => {
    const { statements } = synth();

    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual([
      'cloudwatch:GetMetricData',
      'ec2:DescribeRegions',
      'rds:DescribeDBClusters',
    ]);
  });

  it('with publishing on, adds BatchImportFindings only: no BatchUpdateFindings, so it can suppress no finding of any product', () => {
    const { statements } = synth({ publishFindings: true });

    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual([
      'cloudwatch:GetMetricData',
      'ec2:DescribeRegions',
      'rds:DescribeDBClusters',
      'securityhub:BatchImportFindings',
    ]);
  });

  it("imports only into the account's own product, in the listed Regions", () => {
    const { statements } = synth({ regions: ['eu-west-1'], publishFindings: true });

    expect(statements.find((s) => s.Sid === 'ImportFindings')?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111122223333:product/111122223333/default']],
    });
  });

  it('grants no Security Hub call when publishing is turned off explicitly', () => {
    const { statements } = synth({ publishFindings: false });

    expect(statements.flatMap((s) => asList(s.Action)).filter((a) => String(a).startsWith('securityhub:'))).toEqual([]);
  });

  it.each([
    ['publishing in every Region', { publishFindings: true }],
    ['publishing in listed Regions', { regions: ['eu-west-1', 'us-east-1'], publishFindings: true }],
    ['read only', {}],
  ])('is cdk-nag clean, every wildcard acknowledged with a reason (%s)', (_name, props) => {
    const { app } = synth(props);

    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
