/**
 * A CloudFormation custom resource whose ServiceToken is the function itself: the function runs
 * once when the resource is created (lambda/custom-resource.ts) and answers CloudFormation. No
 * provider function and no extra asset, so it fits a StackSet template, and the template shows
 * which function runs. Alarms that need the first run's data `node.addDependency` it.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** Time CloudFormation waits beyond the function's timeout: Lambda's own start and the answer's PUT. */
const SERVICE_TIMEOUT_MARGIN = Duration.minutes(2);

export function runOnDeploy(scope: Construct, id: string, fn: lambda.Function, resourceType: string): CustomResource {
  const timeout = fn.timeout ?? Duration.seconds(3);
  return new CustomResource(scope, id, {
    serviceToken: fn.functionArn,
    resourceType,
    serviceTimeout: Duration.seconds(Math.min(3600, timeout.toSeconds() + SERVICE_TIMEOUT_MARGIN.toSeconds())),
  });
}
