/**
 * The Security Hub custom action "Raise Backtrack", made only with `remediationAction=true`: the
 * action people choose on findings (AWS::SecurityHub::ActionTarget), the EventBridge rule that
 * sends its events to the checker function (lambda/raise-action.ts), and the one write the checker
 * may then make to a cluster, rds:ModifyDBCluster. Without the opt-in none of the three exists.
 */
import { ArnFormat, type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CUSTOM_ACTION_DETAIL_TYPE, RAISE_ACTION } from '../lambda/core/raise-window';
import { nagResource } from './nag';

export interface RaiseActionProps {
  readonly checkerFunction: lambda.IFunction;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.IQueue;
  readonly maxEventAge: Duration;
  /** The watched Regions: with a list, ModifyDBCluster is allowed in those Regions only. */
  readonly regions: 'all' | readonly string[];
}

export interface RaiseAction {
  readonly actionTarget: securityhub.CfnActionTarget;
  readonly rule: events.Rule;
}

export function createRaiseAction(scope: Construct, props: RaiseActionProps): RaiseAction {
  const stack = Stack.of(scope);
  const actionTarget = new securityhub.CfnActionTarget(scope, 'RaiseActionTarget', {
    id: RAISE_ACTION.id,
    name: RAISE_ACTION.name,
    description: RAISE_ACTION.description,
  });
  const rule = new events.Rule(scope, 'RaiseActionRule', {
    description: `Aurora Backtrack checker: the Security Hub custom action "${RAISE_ACTION.name}" chosen on findings`,
    eventPattern: {
      source: ['aws.securityhub'],
      detailType: [CUSTOM_ACTION_DETAIL_TYPE],
      resources: [actionTarget.attrActionTargetArn],
    },
    targets: [
      new eventsTargets.LambdaFunction(props.checkerFunction, {
        deadLetterQueue: props.deadLetterQueue,
        maxEventAge: props.maxEventAge,
        retryAttempts: 3,
      }),
    ],
  });

  // The account's clusters only; RDS has no condition key for the window itself, so what is
  // changed is bounded by the code: the call carries only BacktrackWindow and ApplyImmediately.
  const clusters = stack.formatArn({
    service: 'rds',
    region: '*',
    resource: 'cluster',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  props.role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'RaiseBacktrackWindow',
      actions: ['rds:ModifyDBCluster'],
      resources: [clusters],
      ...(props.regions === 'all' ? {} : { conditions: { StringEquals: { 'aws:RequestedRegion': [...props.regions] } } }),
    }),
  );
  Validations.of(props.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(scope, clusters)}]`,
    reason:
      'rds:ModifyDBCluster on the clusters of this account only (remediationAction=true): the Security Hub action "Raise Backtrack" raises the window of the clusters people choose on the checker\'s own findings, in any watched Region (with a regions list, aws:RequestedRegion limits it to those); which clusters are only known when a person chooses them, and the call carries only BacktrackWindow and ApplyImmediately.',
  });
  return { actionTarget, rule };
}
