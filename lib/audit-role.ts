/**
 * The role `aurora-backtrack-check scan --accounts … --role-name NAME` assumes in each account: the
 * reads of a scan and the Security Hub calls of `--publish-findings` (the same calls as the checker
 * function, lib/function-permissions.ts), and nothing else. Only the security account (the seat the
 * CLI runs from) may assume it, with an optional sts:ExternalId.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { findingWorkflowStatement } from './function-permissions';
import { nagResource } from './nag';

/** The role's default name: what `--role-name` is given. */
export const AUDIT_ROLE_NAME = 'AuroraBacktrackAudit';

export interface AuditRoleProps {
  /** The account the CLI runs in (the security account): the only principal that may assume the role. */
  readonly trustedAccountId: string;
  /** The role's name (default AuroraBacktrackAudit), the same in every account. */
  readonly roleName?: string;
  /** When set, AssumeRole must carry this sts:ExternalId (`--external-id`). */
  readonly externalId?: string;
  /** Regions whose findings the CLI may import and update (default: every Region, as `--regions all`). */
  readonly regions?: readonly string[];
  /** Grant the Security Hub import and workflow calls of `--publish-findings` (default true). */
  readonly publishFindings?: boolean;
}

export class AuditRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AuditRoleProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.trustedAccountId) && !/^\d{12}$/.test(props.trustedAccountId)) {
      throw new Error(`AuditRole trustedAccountId: "${props.trustedAccountId}" is not a 12-digit account id`);
    }
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? AUDIT_ROLE_NAME,
      description: 'Read-only audit of Aurora Backtrack by aurora-backtrack-check scan --accounts, and import of its findings',
      assumedBy: new iam.AccountPrincipal(props.trustedAccountId),
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
    if (props.publishFindings === false) return;

    const regions = props.regions?.length ? [...props.regions] : ['*'];
    const productArns = regions.map((region) =>
      stack.formatArn({ service: 'securityhub', region, resource: 'product', resourceName: `${stack.account}/default` }),
    );
    const hubArns = regions.map((region) => stack.formatArn({ service: 'securityhub', region, resource: 'hub', resourceName: 'default' }));
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: productArns }),
    );
    role.addToPolicy(findingWorkflowStatement(hubArns));
    if (regions[0] === '*') {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, productArns[0] ?? '')}]`,
        reason:
          "securityhub:BatchImportFindings on the account's own product ARN in every Region: the CLI imports each cluster's finding in the cluster's Region, and with --regions all those are known only at run time. The regions prop scopes it.",
      });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, hubArns[0] ?? '')}]`,
        reason:
          "securityhub:BatchUpdateFindings on the account's own hub in every Region, limited by condition keys to the workflow status and the checker's note. The regions prop scopes it.",
      });
    }
  }
}
