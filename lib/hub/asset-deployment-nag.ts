/** cdk-nag acknowledgements for the hub's asset bucket and for the copy into it that aws-cdk-lib provides. */
import { Validations, type Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { nagResource } from '../nag';

/** The singleton function behind every `BucketDeployment` of a stack (aws-cdk-lib names it by this prefix). */
const BUCKET_DEPLOYMENT_PREFIX = 'Custom::CDKBucketDeployment';

export function acknowledgeAssetDeployment(stack: Stack, bucket: s3.Bucket): void {
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      "The bucket holds only the member checker's code bundle, written by the hub's deployment and read by CloudFormation in member accounts; reads are recorded by CloudTrail data events where the organization enables them, and an access-log bucket would log nothing else.",
  });
  for (const copier of stack.node.children.filter((c) => c.node.id.startsWith(BUCKET_DEPLOYMENT_PREFIX))) {
    Validations.of(copier).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "aws-cdk-lib's BucketDeployment function (copies the checker's code bundle from the CDK asset bucket into the organization-readable asset bucket at deploy time) uses AWSLambdaBasicExecutionRole for its own logs only.",
      },
      ...s3Wildcards(stack, copier).map((id) => ({
        id,
        reason:
          "aws-cdk-lib's BucketDeployment grants its copy function read on the CDK asset bucket's objects and write on the asset bucket's objects (bucket/*, s3 action groups): the object keys are content hashes known only at deploy time.",
      })),
      {
        id: 'AwsSolutions-L1',
        reason:
          "The runtime of aws-cdk-lib's BucketDeployment function is chosen by aws-cdk-lib (it runs only during deployment and is updated with aws-cdk-lib), not by this product.",
      },
    );
  }
}

/** The wildcard findings of the copy function's own policy: S3 action groups and bucket/* resources, nothing else. */
function s3Wildcards(stack: Stack, copier: IConstruct): string[] {
  const policy = copier.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const statements =
    (stack.resolve(policy?.document.toJSON()) as { Statement?: Array<{ Action: unknown; Resource: unknown }> })?.Statement ?? [];
  const ids = new Set<string>();
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  for (const statement of statements) {
    for (const action of list(statement.Action)) {
      if (typeof action === 'string' && action.startsWith('s3:') && action.endsWith('*')) ids.add(`AwsSolutions-IAM5[Action::${action}]`);
    }
    for (const resource of list(statement.Resource)) {
      const flat = flatten(stack, resource);
      if (flat.endsWith('/*') && /(^arn:(aws[a-z-]*|<AWS::Partition>):s3:::|<[A-Za-z0-9]+\.Arn>\/\*$)/.test(flat))
        ids.add(`AwsSolutions-IAM5[Resource::${flat}]`);
    }
  }
  return [...ids];
}

/** A resource as cdk-nag names it; `Fn::Sub` too (the CDK asset bucket's name is written with one). */
function flatten(stack: Stack, resource: unknown): string {
  const node = stack.resolve(resource) as unknown;
  const sub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sub);
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    if (typeof o['Fn::Sub'] === 'string') return o['Fn::Sub'];
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, sub(v)]));
  };
  return nagResource(stack, sub(node) as string);
}
