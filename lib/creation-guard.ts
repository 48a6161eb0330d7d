/**
 * The creation guard (`-c creationGuard=warn|fail`): a CloudFormation Lambda hook that judges every
 * `AWS::RDS::DBCluster` of this account and Region before CloudFormation (or a change set) creates
 * or updates it, by the checker's own rules and settings. Backtrack can only be set when a cluster
 * is created, so this is the one cheap moment to get it right.
 *
 * Its function runs the checker's bundle (entry `index.hookHandler`, lambda/creation-guard.ts) with
 * only the policy settings in its environment and a role that can write its log and nothing else:
 * the hook request carries the resource's properties, so it makes no AWS call. It is its own
 * function, not the checker's, so a scan's 15 minutes or its permissions never stand in the way of
 * an answer CloudFormation waits at most 30 seconds for. Clusters created outside CloudFormation
 * (console, CLI, Terraform's AWS provider) are not seen by hooks: the checker's CloudTrail re-check
 * judges them within a minute of creation.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GUARDED_TYPE } from '../lambda/creation-guard';
import { ENV_NAMES, telemetryEnvironment, type CreationGuardMode, type RuntimeKey } from '../lambda/settings/schema';

/** The hook's type alias, unique per account and Region (`Name1::Name2::Name3`, not starting with AWS). */
export const CREATION_GUARD_ALIAS = 'AuroraBacktrack::Guard::Hook';

/** The bundle's export the hook's function runs (lambda/handler.ts). */
export const CREATION_GUARD_HANDLER = 'index.hookHandler';

/** CloudFormation waits 30 seconds for a Lambda hook's answer: the function ends before that, logging why. */
const FUNCTION_TIMEOUT = Duration.seconds(25);

/** The settings the guard judges by: the checker's policy, nothing about topics, tables or Regions to scan. */
export const POLICY_KEYS = [
  'minWindowHours',
  'tagPrefix',
  'exemptTagKey',
  'maxExemptionDays',
  'backtrackRegions',
] as const satisfies readonly RuntimeKey[];

/** The guard's environment: the policy variables of the checker's environment, the same text. */
export function policyEnvironment(checkerEnvironment: Readonly<Record<string, string>>): Record<string, string> {
  const names = new Set<string>(POLICY_KEYS.map((k) => ENV_NAMES[k]));
  return Object.fromEntries(Object.entries(checkerEnvironment).filter(([name]) => names.has(name)));
}

export interface CreationGuardProps {
  /** `fail` stops a stack operation on a failing cluster; `warn` lets it continue with a warning. */
  readonly mode: CreationGuardMode;
  /** The checker's code (the same asset as the checker function). */
  readonly code: lambda.Code;
  /** The policy settings of the checker's environment (minimum window, tag prefix and keys, exemption cap, Regions). */
  readonly environment: Record<string, string>;
  /** The checker's alarm name prefix: the guard's alarm is `<prefix>CreationGuardErrors`. */
  readonly alarmNamePrefix: string;
  /** The topic the alarm notifies; absent in member mode, where the checker's alarm forwarder relays it by its prefix. */
  readonly alertTopic?: sns.ITopic;
}

export class CreationGuard extends Construct {
  readonly hook: cloudformation.CfnLambdaHook;
  readonly guardFunction: lambda.Function;
  readonly functionRole: iam.Role;
  /** The role CloudFormation's hooks service assumes to invoke the function. */
  readonly executionRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The guard function crashed, timed out or was throttled: CloudFormation got no answer. */
  readonly errorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CreationGuardProps) {
    super(scope, id);
    const account = Stack.of(this).account;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.functionRole = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Aurora Backtrack creation guard: writes its own log, nothing else (the hook request carries what it judges)',
    });
    this.logGroup.grantWrite(this.functionRole);

    this.guardFunction = new lambda.Function(this, 'Function', {
      description: 'Aurora Backtrack creation guard: judges an AWS::RDS::DBCluster in a CloudFormation hook request by the checker rules',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: CREATION_GUARD_HANDLER,
      code: props.code,
      memorySize: 512,
      timeout: FUNCTION_TIMEOUT,
      role: this.functionRole,
      logGroup: this.logGroup,
      environment: { ...props.environment, ...telemetryEnvironment() },
      // Invoked synchronously by the hook, which gets the error itself: no async retries to bound.
    });
    Validations.of(this.guardFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime this product targets (esbuild target node22, Lambda support into 2027); the guard runs the checker bundle, so both move together.',
    });

    this.executionRole = new iam.Role(this, 'HookExecutionRole', {
      assumedBy: new iam.ServicePrincipal('hooks.cloudformation.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Aurora Backtrack creation guard: lets CloudFormation hooks invoke the guard function, and only it',
    });
    const invoke = new iam.Policy(this, 'HookExecutionPolicy', {
      roles: [this.executionRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeCreationGuard',
          actions: ['lambda:InvokeFunction'],
          resources: [this.guardFunction.functionArn],
        }),
      ],
    });

    this.hook = new cloudformation.CfnLambdaHook(this, 'Hook', {
      alias: CREATION_GUARD_ALIAS,
      lambdaFunction: this.guardFunction.functionArn,
      executionRole: this.executionRole.roleArn,
      failureMode: props.mode === 'fail' ? 'FAIL' : 'WARN',
      hookStatus: 'ENABLED',
      targetOperations: ['RESOURCE'],
    });
    // CloudFormation's schema takes either these three lists (the template reference's form) or a
    // `Targets` list; the L1 type only knows the second and refuses the first, so it is written here.
    this.hook.addPropertyOverride('TargetFilters', {
      Actions: ['CREATE', 'UPDATE'],
      InvocationPoints: ['PRE_PROVISION'],
      TargetNames: [GUARDED_TYPE],
    });
    // The hook may only be activated once its role may invoke the function.
    this.hook.node.addDependency(invoke);

    // The function answers every request, even one it cannot read: an error or a throttle means
    // CloudFormation got no answer (with FAIL the operation stopped, with WARN it went on unjudged).
    const period = Duration.minutes(5);
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: `${props.alarmNamePrefix}CreationGuardErrors`,
      alarmDescription:
        'The creation guard function crashed, timed out or was throttled: a CloudFormation hook got no answer, so a cluster was stopped (creationGuard=fail) or went on unjudged (warn) until the checker sees it. See docs/operations.md, "CreationGuardErrors".',
      metric: new cloudwatch.MathExpression({
        expression: 'errors + throttles',
        usingMetrics: {
          errors: this.guardFunction.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
          throttles: this.guardFunction.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No stack operation, no datapoint: a fresh deployment pages no one.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alertTopic) this.errorsAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alertTopic));
  }
}
