/** What member mode refuses: subscribers belong on the hub's topic, not in every member account. */
import { ConfigError, type CheckerConfig, type ConfigProblem } from '../config';

/** Throws one ConfigError naming every subscriber setting given to a member stack. */
export function assertMemberConfig(config: CheckerConfig): void {
  const problems: ConfigProblem[] = [];
  const onHub = 'is set for a member stack, whose alerts go to the hub topic; subscribe on the hub instead';
  if (config.alertEmails.length > 0) {
    problems.push({
      key: 'alertEmails',
      value: JSON.stringify(config.alertEmails.join(',')),
      problem: onHub,
      allowed: 'no value in member mode (give alertEmails to the hub stack: -c deployment=hub)',
      example: 'deployment=hub -c alertEmails=ops@example.com',
    });
  }
  for (const key of ['slackWorkspaceId', 'slackChannelId'] as const) {
    const value = config[key];
    if (value === undefined) continue;
    problems.push({
      key,
      value: JSON.stringify(value),
      problem: onHub,
      allowed: `no value in member mode (give ${key} to the hub stack: -c deployment=hub)`,
      example: `deployment=hub -c ${key}=${value}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
