// Whole configuration files the user writes into the spec (the apiserver's audit policy and
// AdmissionConfiguration): written to the hosts as given, after checking they are one YAML
// document of the expected apiVersion and kind (what the apiserver would otherwise refuse at
// start, with the control plane half restarted).
import { parseDocument } from 'yaml';
import type { Cluster } from '../spec';
import { unsafeValue } from './refuse';
import { renderAuditPolicy } from './audit-policy';

export interface DocumentKind {
  apiVersion: string;
  kind: string;
}

export const AUDIT_POLICY: DocumentKind = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy' };
export const ADMISSION_CONFIGURATION: DocumentKind = {
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'AdmissionConfiguration',
};

/** What is wrong with `text` as a document of `expected`; undefined when nothing is. */
export function userDocumentProblem(text: string, expected: DocumentKind): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text))
    return 'must not contain control characters other than newline and tab';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return `is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`;
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `must be a YAML mapping (apiVersion: ${expected.apiVersion}, kind: ${expected.kind})`;
  const { apiVersion, kind } = value as Record<string, unknown>;
  if (apiVersion !== expected.apiVersion) return `apiVersion must be ${expected.apiVersion}`;
  if (kind !== expected.kind) return `kind must be ${expected.kind}`;
  return undefined;
}

function checked(field: string, text: string, expected: DocumentKind): string {
  const problem = userDocumentProblem(text, expected);
  if (problem) throw unsafeValue(field, text.slice(0, 40), problem);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The audit policy file: the spec's (spec.components.apiserver.auditPolicy), else hakube's. */
export function auditPolicyFile(c: Cluster): string {
  const own = c.spec.components?.apiserver?.auditPolicy;
  return own === undefined
    ? renderAuditPolicy()
    : checked('spec.components.apiserver.auditPolicy', own, AUDIT_POLICY);
}

/** The AdmissionConfiguration file, when the spec has one. */
export function admissionConfigFile(c: Cluster): string | undefined {
  const own = c.spec.components?.apiserver?.admissionConfiguration;
  return own === undefined
    ? undefined
    : checked('spec.components.apiserver.admissionConfiguration', own, ADMISSION_CONFIGURATION);
}
