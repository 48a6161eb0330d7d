/** The emulator harness used by the end-to-end tests and `npm run demo`. */
export * from './emulator';
export * from './aws-proxy';
export * from './emulated-aws';
export type { FaultKind, FaultSpec, Fault } from './faults';
export type { ClusterOverrides, ClusterFieldValue } from './rds-clusters-xml';
export type { WorkflowEntry, WorkflowUpdate, WorkflowStatus } from './security-hub-emulation';
export type { AwsRequestInfo } from './aws-request';
export type { PublishedMessage } from './sns-emulation';
