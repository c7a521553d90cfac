// PKI activities: the factory workers register, the result types workflows import.
export { createPkiActivities } from './pki-activities';
export type {
  AuthoritiesResult,
  InspectResult,
  IssuedCert,
  KeyPairResult,
  PkiActivities,
  PkiClusterSource,
  PkiDeps,
  ProfileInput,
} from './pki-activities';
export type { CertificateInfo } from './inspect';
export type { CertFacts } from './certificate-check';
