/**
 * The StackSet's template: this project's checker in member mode, as every member account runs it.
 * The hub passes its event bus and asset bucket prefix as parameters, so one template serves
 * every account; the function's code is read from the hub's asset bucket of the member's Region.
 * The member needs neither the hub's topic nor its key: its alerts go to the bus.
 */
import { CfnParameter, Fn, cx_api as cxapi } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { StackSetStack } from 'cdk-stacksets';
import type { Construct } from 'constructs';
import { BacktrackChecker } from '../backtrack-checker';
import type { CheckerConfig } from '../config';

/** The template's parameters, set by the hub's StackSet. */
export const MEMBER_PARAMETERS = {
  assetBucketPrefix: 'AssetBucketPrefix',
  hubEventBusArn: 'HubEventBusArn',
} as const;

export interface MemberTemplateProps {
  /** The checker settings of every member (no subscribers: those are the hub's). */
  readonly config?: Partial<CheckerConfig>;
  /** The hub's asset bucket in the members' Region, named `<assetBucketPrefix>-<region>`. */
  readonly assetBucket: s3.IBucket;
}

export class MemberTemplate extends StackSetStack {
  readonly checker: BacktrackChecker;

  constructor(scope: Construct, id: string, props: MemberTemplateProps) {
    // The prefix resolves in each member's template, to the hub's value given by the StackSet.
    super(scope, id, { assetBuckets: [props.assetBucket], assetBucketPrefix: Fn.ref(MEMBER_PARAMETERS.assetBucketPrefix) });
    // The function's bundle is copied into the hub's asset bucket at synth time by cdk-stacksets,
    // which needs it staged even when the CLI skips bundling (`cdk ls`, `cdk destroy`): always bundle.
    this.node.setContext(cxapi.BUNDLING_STACKS, ['**']);
    new CfnParameter(this, MEMBER_PARAMETERS.assetBucketPrefix, {
      type: 'String',
      description: "Name prefix of the hub's asset buckets (<prefix>-<region>) holding the checker's code",
    });
    const busArn = new CfnParameter(this, MEMBER_PARAMETERS.hubEventBusArn, {
      type: 'String',
      description: 'The event bus in the hub account the checker sends its alerts, alarms and a report after every scan (coverage) to',
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/.+$',
    });
    this.checker = new BacktrackChecker(this, 'Checker', {
      hubEventBusArn: busArn.valueAsString,
      ...(props.config !== undefined ? { config: props.config } : {}),
    });
  }
}
