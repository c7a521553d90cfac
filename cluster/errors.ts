// Every typed failure hakube raises, listed once. Workflows reference these names in retry
// policies (permanent ones are never retried); activities and the CLI use the same names.

export const ErrorTypes = {
  // SSH (activities/ssh)
  AuthenticationFailed: 'AuthenticationFailed',
  HostKeyMismatch: 'HostKeyMismatch',
  HostKeyUnknown: 'HostKeyUnknown',
  ConnectionRefused: 'ConnectionRefused',
  ConnectionTimeout: 'ConnectionTimeout',
  ConnectionReset: 'ConnectionReset',
  RemoteCommandFailed: 'RemoteCommandFailed',
  RemoteCommandTimeout: 'RemoteCommandTimeout',
  // Operations
  SpecInvalid: 'SpecInvalid',
  PreflightFailed: 'PreflightFailed',
  UnsupportedOS: 'UnsupportedOS',
  PackageMissing: 'PackageMissing',
  ConfigInvalid: 'ConfigInvalid',
  BundleInvalid: 'BundleInvalid',
  /** A host runs another Kubernetes version than the bundle an install or join would put there (hakube upgrade changes it). */
  VersionMismatch: 'VersionMismatch',
  /** containerd did not take a bundle image, or holds another digest under its name after the import (retried). */
  ImageImportFailed: 'ImageImportFailed',
  /** A host's disk has no room for a file hakube places (retried: freeing space lets the step go on). */
  DiskFull: 'DiskFull',
  QuorumAtRisk: 'QuorumAtRisk',
  ApprovalRejected: 'ApprovalRejected',
  ApprovalTimedOut: 'ApprovalTimedOut',
  BackupTargetRefused: 'BackupTargetRefused',
  BackupTargetUnreachable: 'BackupTargetUnreachable',
  SnapshotInvalid: 'SnapshotInvalid',
  SnapshotNotFound: 'SnapshotNotFound',
  SnapshotCorrupted: 'SnapshotCorrupted',
  /** Stored metadata that is malformed, edited or signed by another key: refused, never restored. */
  SnapshotTampered: 'SnapshotTampered',
  /** Stored metadata without a signature (older than signing, or planted): restored only when asked to. */
  SnapshotUnsigned: 'SnapshotUnsigned',
  RestoreFailed: 'RestoreFailed',
  CertificatesNeedAttention: 'CertificatesNeedAttention',
  ResetFailed: 'ResetFailed',
  EtcdMembershipBlocked: 'EtcdMembershipBlocked',
  NodeRemovalRefused: 'NodeRemovalRefused',
  DrainTimedOut: 'DrainTimedOut',
  JoinFailed: 'JoinFailed',
  RotationFailed: 'RotationFailed',
  /** An upgrade refused by its preflight (skew, bundle, health) or stopped by a person after a failed gate. */
  UpgradeFailed: 'UpgradeFailed',
  /** A drain waits on a PodDisruptionBudget (retried: the budget clears when pods are ready elsewhere). */
  DrainBlocked: 'DrainBlocked',
  /** A node is not Ready, or Ready at another kubelet version than expected (a gate, retried). */
  NodeNotAtVersion: 'NodeNotAtVersion',
  // How an operation ends when what failed carries no type of its own
  InstallFailed: 'InstallFailed',
  BackupFailed: 'BackupFailed',
  RemoveFailed: 'RemoveFailed',
  OperationFailed: 'OperationFailed',
  // Gates (retried until healthy)
  ServiceFailed: 'ServiceFailed',
  EtcdUnhealthy: 'EtcdUnhealthy',
  EndpointUnreachable: 'EndpointUnreachable',
  ApiserverNotReady: 'ApiserverNotReady',
  NodeNotRegistered: 'NodeNotRegistered',
} as const;

export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];

/** Failures that retrying cannot fix: the retry policies list them as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorTypes.AuthenticationFailed,
  ErrorTypes.HostKeyMismatch,
  ErrorTypes.HostKeyUnknown,
  ErrorTypes.SpecInvalid,
  ErrorTypes.PreflightFailed,
  ErrorTypes.UnsupportedOS,
  ErrorTypes.PackageMissing,
  ErrorTypes.ConfigInvalid,
  ErrorTypes.BundleInvalid,
  ErrorTypes.VersionMismatch,
  ErrorTypes.QuorumAtRisk,
  ErrorTypes.BackupTargetRefused,
  ErrorTypes.SnapshotNotFound,
  ErrorTypes.SnapshotCorrupted,
  ErrorTypes.SnapshotTampered,
  ErrorTypes.SnapshotUnsigned,
  ErrorTypes.RestoreFailed,
  ErrorTypes.CertificatesNeedAttention,
  ErrorTypes.ResetFailed,
  ErrorTypes.EtcdMembershipBlocked,
  ErrorTypes.NodeRemovalRefused,
  ErrorTypes.DrainTimedOut,
  ErrorTypes.JoinFailed,
  ErrorTypes.RotationFailed,
  ErrorTypes.UpgradeFailed,
  ErrorTypes.ApprovalRejected,
  ErrorTypes.ApprovalTimedOut,
];
