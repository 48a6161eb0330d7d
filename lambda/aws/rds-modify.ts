/**
 * The one write the checker makes to a cluster: ModifyDBCluster with the parameters of a raise plan
 * (lambda/core/raise-window.ts), nothing added. Only the Security Hub action "Raise Backtrack" calls
 * it, and only a stack deployed with `remediationAction=true` grants it.
 */
import { ModifyDBClusterCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { ModifyWindowCall } from '../core/raise-window';

/** Sends the call as planned; returns the target window AWS reports back (undefined when it reports none). */
export async function modifyBacktrackWindow(client: RDSClient, call: ModifyWindowCall): Promise<number | undefined> {
  const out = await client.send(new ModifyDBClusterCommand({ ...call }));
  return out.DBCluster?.BacktrackWindow;
}
