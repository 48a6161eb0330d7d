/**
 * The checker function's IAM policy. Least privilege: explicit actions only, each on the narrowest
 * resource it takes; resource `*` only for actions that have no resource-level scoping.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { NOTE_AUTHOR } from '../lambda/core/finding';
import type { WorkflowUpdate } from '../lambda/aws/security-hub';
import type { CheckerConfig } from './config';
import { nagResource } from './nag';

/**
 * The DynamoDB calls of the state store (lambda/aws/state.ts) and the run lease: Scan to load the
 * account's items, BatchWriteItem to put and delete cluster items and the run-meta item, PutItem
 * for the lease's conditional writes, UpdateItem for the re-checks queued on the lease (a re-check
 * that finds the lease held adds its cluster; the holder takes them off, or keeps them for the
 * next holder). Nothing reads single items or queries.
 */
export const STATE_TABLE_ACTIONS = ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/** The workflow statuses the checker sets with BatchUpdateFindings (lambda/aws/security-hub.ts updateWorkflow). */
export const WORKFLOW_STATUSES = ['NEW', 'SUPPRESSED'] as const satisfies readonly WorkflowUpdate['status'][];

/**
 * BatchUpdateFindings fields the checker never sends; the grant requires each to be absent, so the
 * role can change a finding's workflow status and note and nothing else. Security Hub fills the
 * `securityhub:ASFFSyntaxPath/<field>` condition keys from the request, at the leaf: a key on a
 * parent object (`UserDefinedFields`, `RelatedFindings`) is never set, and a `Null` condition on it
 * restricts nothing. Only the leaf paths AWS documents are used, per "Configuring access to
 * BatchUpdateFindings" in the Security Hub user guide
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchupdatefindings.html)
 * and the `securityhub:ASFFSyntaxPath/${ASFFSyntaxPath}` key of the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html);
 * AWS's own AWSSystemsManagerOpsDataSyncServiceRolePolicy denies `UserDefinedFields.key` and
 * `UserDefinedFields.value` the same way.
 */
export const UNCHANGED_FINDING_FIELDS = [
  'Confidence',
  'Criticality',
  'RelatedFindings.Id',
  'RelatedFindings.ProductArn',
  'Severity.Label',
  'Severity.Normalized',
  'Severity.Product',
  'Types',
  'UserDefinedFields.key',
  'UserDefinedFields.value',
  'VerificationState',
] as const;

export interface FunctionPermissionsProps {
  readonly role: iam.Role;
  readonly config: CheckerConfig;
  /** The alert topic; none in member mode (the alerts go to the hub's bus). */
  readonly topic: sns.ITopic | undefined;
  readonly topicKey: kms.IKey | undefined;
  readonly logGroup: logs.ILogGroup;
  readonly stateTable: dynamodb.ITable;
}

/**
 * BatchUpdateFindings on the given hubs, limited to what the checker writes: the workflow statuses
 * it sets, notes in its own name, and none of the fields it never changes. Shared by the function
 * and the CLI's audit role (lib/audit-role.ts).
 */
export function findingWorkflowStatement(hubArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'UpdateFindingWorkflow',
    actions: ['securityhub:BatchUpdateFindings'],
    resources: hubArns,
    conditions: {
      StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': [...WORKFLOW_STATUSES] },
      StringEqualsIfExists: { 'securityhub:ASFFSyntaxPath/Note.UpdatedBy': NOTE_AUTHOR },
      Null: Object.fromEntries(UNCHANGED_FINDING_FIELDS.map((field) => [`securityhub:ASFFSyntaxPath/${field}`, 'true'])),
    },
  });
}

export function grantFunctionPermissions(scope: Construct, props: FunctionPermissionsProps): void {
  const { role, config: c, topic, topicKey } = props;
  const stack = Stack.of(scope);
  const everywhere: string[] = [];
  // Findings are imported into, and updated in, each cluster's own Region.
  const findingRegions = c.regions === 'all' ? ['*'] : c.regions;

  props.logGroup.grantWrite(role);
  role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadClusters', actions: ['rds:DescribeDBClusters'], resources: ['*'] }));
  everywhere.push('rds:DescribeDBClusters lists every cluster of the account in a Region, which the checker must see');
  if (c.regions === 'all') {
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ListEnabledRegions', actions: ['ec2:DescribeRegions'], resources: ['*'] }));
    everywhere.push('ec2:DescribeRegions has no resource-level scoping');
  }
  // The Backtrack metrics (actualWindow), and on deploy the first scan's own heartbeat datapoint
  // (lambda/first-scan.ts): needed whatever actualWindow says.
  role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  everywhere.push(
    "cloudwatch:GetMetricData has no resource-level scoping (it reads the Backtrack metrics and, on deploy, the checker's own heartbeat datapoint)",
  );

  const hubArns = findingRegions.map((region) =>
    stack.formatArn({ service: 'securityhub', region, resource: 'hub', resourceName: 'default' }),
  );
  role.addToPolicy(findingWorkflowStatement(hubArns));
  // The check for failing clusters' findings suppressed or resolved outside the checker (lambda/aws/security-hub.ts hiddenFindings).
  role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadFindingWorkflow', actions: ['securityhub:GetFindings'], resources: hubArns }));

  // Every Region, even with a regions list: a Region dropped from the list keeps its findings until
  // the next scan imports them as ARCHIVED there (only the account's own product, its own findings).
  const productArns = [
    stack.formatArn({ service: 'securityhub', region: '*', resource: 'product', resourceName: `${stack.account}/default` }),
  ];
  role.addToPolicy(
    new iam.PolicyStatement({ sid: 'ImportFindings', actions: ['securityhub:BatchImportFindings'], resources: productArns }),
  );

  if (topic) role.addToPolicy(new iam.PolicyStatement({ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [topic.topicArn] }));
  if (topic && topicKey) {
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'UseAlertTopicKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [topicKey.keyArn] }),
    );
  }
  props.stateTable.grant(role, ...STATE_TABLE_ACTIONS);

  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Resource * only for read-only actions without resource-level scoping: ${everywhere.join('; ')}.`,
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(scope, productArns[0] ?? '')}]`,
    reason:
      "securityhub:BatchImportFindings on the account's own product ARN in every Region: findings go to each cluster's own Region; with regions=all the watched Regions are only known at run time, and a Region dropped from the watch list (or opted out of) gets its findings imported as ARCHIVED after it left the list.",
  });
  if (c.regions === 'all') {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(scope, hubArns[0] ?? '')}]`,
      reason:
        "securityhub:BatchUpdateFindings on the account's own hub (hub/default) in every Region, limited by condition keys to the workflow status and the checker's note, and securityhub:GetFindings there to check its findings' workflow: with regions=all the watched Regions are only known at run time. An explicit regions list scopes this to those Regions.",
    });
  }
}
