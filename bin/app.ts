/**
 * CDK app: context → validated configuration → stack, checked with cdk-nag (AWS Solutions).
 * Invalid configuration (a bad value, an empty one, or an unknown checker-like key) stops synth
 * with exit status 2 and one message listing every problem.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BacktrackCheckerStack } from '../lib/backtrack-checker-stack';
import { ConfigError } from '../lib/config';
import { loadContext } from '../lib/context';

const app = new App();

try {
  const config = loadContext(app.node.getAllContext() as Record<string, unknown>);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  new BacktrackCheckerStack(app, 'AuroraBacktrackChecker', {
    config,
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
