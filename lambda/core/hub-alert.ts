/**
 * A member checker's alert on its way to the organization's topic: sent as a "Checker alert" event
 * to the hub's event bus, where EventBridge stamps the sender's `account` on it; the hub's relay
 * publishes it with `account_id` taken from that stamp. The detail therefore carries the message
 * and nothing about who sent it. Pure: no SDK, no I/O.
 */
import type { AlertMessage } from './alert';
import type { SeverityLabel } from './types';

/** The event a member's checker sends to the hub instead of publishing to the hub's topic. */
export const CHECKER_ALERT = { source: 'aurora-backtrack-checker', detailType: 'Checker alert' } as const;

/** The severity labels a checker alert may carry, lowest first. */
export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies readonly SeverityLabel[];

/** What the member sends: the message as the checker wrote it, without any account. */
export interface CheckerAlertDetail {
  subject: string;
  /** The AWS Chatbot custom notification (JSON text). */
  default: string;
  email: string;
  severity: string;
  event: string[];
}

/** The detail of the "Checker alert" event for a message: the account attribute is left out on purpose. */
export function checkerAlertDetail(
  message: Pick<AlertMessage, 'subject' | 'default' | 'email'> & {
    attributes: { severity: string; event: string | readonly string[] };
  },
): CheckerAlertDetail {
  const { event } = message.attributes;
  return {
    subject: message.subject,
    default: message.default,
    email: message.email,
    severity: message.attributes.severity,
    event: typeof event === 'string' ? [event] : [...event],
  };
}
