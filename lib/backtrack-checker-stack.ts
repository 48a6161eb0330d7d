import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BacktrackChecker, type BacktrackCheckerProps } from './backtrack-checker';
import { assertMemberWiring } from './hub/member-config';

export interface BacktrackCheckerStackProps extends StackProps, BacktrackCheckerProps {}

/** One checker per account: the construct plus the outputs an operator needs after deploy. */
export class BacktrackCheckerStack extends Stack {
  readonly checker: BacktrackChecker;

  constructor(scope: Construct, id: string, props: BacktrackCheckerStackProps = {}) {
    super(scope, id, {
      description: 'Aurora Backtrack checker: scheduled Backtrack compliance, Security Hub findings, alerts on change',
      ...props,
    });
    // Keys of earlier versions are refused here too: the construct is given only the known ones.
    assertMemberWiring(props);
    const { config, alertTopic, alertTopicKey, hubEventBusArn } = props;
    this.checker = new BacktrackChecker(this, 'Checker', {
      ...(config !== undefined ? { config } : {}),
      ...(alertTopic !== undefined ? { alertTopic } : {}),
      ...(alertTopicKey !== undefined ? { alertTopicKey } : {}),
      ...(hubEventBusArn !== undefined ? { hubEventBusArn } : {}),
    });

    // A member has no topic of its own: its alerts reach the organization's topic through the hub.
    if (this.checker.alertTopic) {
      new CfnOutput(this, 'AlertTopicArn', {
        description: 'SNS topic that receives alerts (subscribe more endpoints here)',
        value: this.checker.alertTopic.topicArn,
      });
    }
    new CfnOutput(this, 'FunctionName', {
      description: 'Checker function (invoke with {"mode":"scan"} for a run now)',
      value: this.checker.checkerFunction.functionName,
    });
    new CfnOutput(this, 'StateTableName', {
      description: 'DynamoDB table with run-to-run state',
      value: this.checker.stateTable.tableName,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Dead-letter queue of failed runs and undeliverable events',
      value: this.checker.deadLetterQueue.queueUrl,
    });
  }
}
