/**
 * CDK app: context → validated configuration → stack, checked with cdk-nag (AWS Solutions).
 * `-c deployment=account` (default) is one account checking itself; `hub` is an organization's hub
 * (central topic, member StackSet, insight); `member` is one member checker deployed by hand (the
 * management account, which service-managed StackSets skip). Invalid configuration (a bad value,
 * an empty one, or an unknown checker-like key) stops synth with exit status 2 and one message
 * listing every problem.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BacktrackCheckerStack } from '../lib/backtrack-checker-stack';
import { ConfigError, type CheckerConfig, type ConfigProblem } from '../lib/config';
import { loadContext } from '../lib/context';
import { readHubContext, withoutHubKeys } from '../lib/hub/context';
import { HubStack } from '../lib/hub/hub-stack';

const app = new App();

try {
  const context = app.node.getAllContext() as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const hub = readHubContext(context);
  if ('problems' in hub) problems.push(...hub.problems);
  let config: CheckerConfig | undefined;
  try {
    config = loadContext(withoutHubKeys(context));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config || !('ok' in hub)) throw new ConfigError(problems);

  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = (hub.ok.deployment === 'hub' ? hub.ok.memberRegion : undefined) ?? process.env.CDK_DEFAULT_REGION;
  const env = account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {};
  const settings = hub.ok;
  if (settings.deployment === 'hub') {
    if (settings.memberRegion === undefined) {
      // The Region decides where every member checker runs: say which one was taken, and how to choose.
      const chosen = region
        ? `${region} (CDK_DEFAULT_REGION: the Region of the AWS profile or AWS_REGION the CDK CLI runs with)`
        : 'the Region the stack is deployed to (the AWS profile or AWS_REGION of `cdk deploy`)';
      process.stderr.write(
        `memberRegion not set: the hub and the member checkers its StackSet deploys go to ${chosen}; set -c memberRegion=<region> to choose.\n`,
      );
    }
    new HubStack(app, 'AuroraBacktrackCheckerHub', {
      ...env,
      config,
      organizationId: settings.organizationId,
      organizationUnitIds: settings.organizationUnitIds,
      delegatedAdmin: settings.delegatedAdmin,
    });
  } else {
    new BacktrackCheckerStack(app, 'AuroraBacktrackChecker', {
      ...env,
      config,
      ...(settings.deployment === 'member' ? { hubEventBusArn: settings.hubEventBusArn } : {}),
    });
  }
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
