/**
 * The role `aurora-backtrack-check scan --accounts … --role-name NAME` assumes in each account: the
 * reads of a scan and, only when asked, the import of `--publish-findings`, and nothing else. One
 * principal (the role or user the CLI runs as in the security account) may assume it, with an
 * optional sts:ExternalId.
 *
 * Trust: the security account as principal, narrowed to one principal by an `aws:PrincipalArn`
 * condition. Naming the role's ARN as the principal instead would be stored as the role's unique id:
 * a re-created role (same name, new id) would then be refused, and the trust policy would show a
 * bare id. `aws:PrincipalArn` keeps matching a re-created role of the same name, which only an IAM
 * administrator of the security account can make (IAM user guide, "Role trust policies" and
 * "AWS global condition context keys").
 *
 * A stateless CLI run never changes a finding's workflow (it cannot know how long an exemption has
 * lasted), so the role has no securityhub:BatchUpdateFindings: it cannot suppress this checker's
 * findings, nor GuardDuty's or any other product's.
 */
import { Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagResource } from './nag';

/** The role's default name: what `--role-name` is given. */
export const AUDIT_ROLE_NAME = 'AuroraBacktrackAudit';

/**
 * An IAM role or user ARN, with an optional path: what `aws:PrincipalArn` holds for a caller (for an
 * assumed-role session it is the role's ARN, not the `sts` session ARN).
 */
const PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?):iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;

/** Why a trusted principal ARN is refused, or undefined when it names one IAM role or user. */
export function principalArnProblem(arn: string): string | undefined {
  if (/[*?]/.test(arn)) return 'wildcards are not allowed: name one role or user';
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(arn)) return "an account's root trusts every principal of that account: name one role or user";
  if (/^arn:[^:]+:sts::/.test(arn))
    return 'an sts assumed-role session ARN changes with each session: name the role (arn:<partition>:iam::<account>:role/NAME)';
  if (!PRINCIPAL_ARN.test(arn)) return 'is not an IAM role or user ARN (arn:<partition>:iam::<12-digit account>:role/NAME or user/NAME)';
  return undefined;
}

export interface AuditRoleProps {
  /**
   * The one principal that may assume the role: the IAM role (or user) the CLI runs as in the
   * security account, e.g. `arn:aws:iam::999988887777:role/SecurityAudit`. For AWS IAM Identity
   * Center, the permission set's role ARN with its path (`role/aws-reserved/sso.amazonaws.com/…`).
   */
  readonly trustedPrincipalArn: string;
  /** The role's name (default AuroraBacktrackAudit), the same in every account. */
  readonly roleName?: string;
  /** When set, AssumeRole must carry this sts:ExternalId (`--external-id`). */
  readonly externalId?: string;
  /** Regions whose findings the CLI may import (default: every Region, as `--regions all`). */
  readonly regions?: readonly string[];
  /** Grant securityhub:BatchImportFindings on the account's own product, for `--publish-findings` (default false: read-only). */
  readonly publishFindings?: boolean;
}

export class AuditRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AuditRoleProps) {
    super(scope, id);
    const arn = props.trustedPrincipalArn;
    const resolved = !Token.isUnresolved(arn);
    const problem = resolved ? principalArnProblem(arn) : undefined;
    if (problem) throw new Error(`AuditRole trustedPrincipalArn: "${arn}" ${problem}`);
    const stack = Stack.of(this);
    const trustedAccount = resolved ? (PRINCIPAL_ARN.exec(arn)?.[2] ?? '') : Fn.select(4, Fn.split(':', arn));
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? AUDIT_ROLE_NAME,
      description:
        'Read-only audit of Aurora Backtrack by aurora-backtrack-check scan --accounts (and, when granted, import of its findings)',
      assumedBy: new iam.AccountPrincipal(trustedAccount).withConditions({ ArnEquals: { 'aws:PrincipalArn': arn } }),
      ...(props.externalId !== undefined ? { externalIds: [props.externalId] } : {}),
    });
    const role = this.role;
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadClusters', actions: ['rds:DescribeDBClusters'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ListEnabledRegions', actions: ['ec2:DescribeRegions'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadBacktrackMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource * only for read-only actions without resource-level scoping or that must see every cluster: rds:DescribeDBClusters, ec2:DescribeRegions, cloudwatch:GetMetricData.',
    });
    if (props.publishFindings !== true) return;

    const regions = props.regions?.length ? [...props.regions] : ['*'];
    const productArns = regions.map((region) =>
      stack.formatArn({ service: 'securityhub', region, resource: 'product', resourceName: `${stack.account}/default` }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: productArns }),
    );
    if (regions[0] === '*') {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, productArns[0] ?? '')}]`,
        reason:
          "securityhub:BatchImportFindings on the account's own product ARN in every Region: the CLI imports each cluster's finding in the cluster's Region, and with --regions all those are known only at run time. The regions prop scopes it.",
      });
    }
  }
}
