// Validation of the configuration hooks (spec-hooks.ts) against what hakube renders: an extra
// flag or a kubelet configuration field that hakube sets itself is refused, naming the setting
// that controls it; the audit policy and AdmissionConfiguration must be what the apiserver
// reads. The managed sets come from the renderers (cluster/render/managed-flags.ts).
import type { Cluster } from './spec';
import { error, type PathSegment, type Problem } from './problems';
import { COMPONENTS, type Component } from './render/hooks';
import { managedFlags } from './render/managed-flags';
import { kubeletConfigFields } from './render/kubelet-config';
import { managedFields } from './render/config-fields';
import { overrideRefusedReason } from './render/refuse';
import { ADMISSION_CONFIGURATION, AUDIT_POLICY, userDocumentProblem } from './render/user-documents';

const at = (component: Component, ...rest: PathSegment[]): PathSegment[] => [
  'spec',
  'components',
  component,
  ...rest,
];

export function hookProblems(c: Cluster): Problem[] {
  return [...extraArgProblems(c), ...kubeletConfigProblems(c), ...documentProblems(c)];
}

function extraArgProblems(c: Cluster): Problem[] {
  return COMPONENTS.flatMap((component) => {
    const args = c.spec.components?.[component]?.extraArgs;
    if (!args) return [];
    const managed = managedFlags(c, component);
    return Object.keys(args).flatMap((name) => {
      const path = at(component, 'extraArgs', name);
      if (managed.has(name)) return [error(path, overrideRefusedReason(`--${name}`, managed.get(name)))];
      if (name === 'feature-gates' && component !== 'etcd')
        return [
          error(
            path,
            `set feature gates in spec.featureGates (every component) or spec.components.${component}.featureGates, not as a flag`,
          ),
        ];
      return [];
    });
  });
}

function kubeletConfigProblems(c: Cluster): Problem[] {
  const config = c.spec.components?.kubelet?.config;
  if (!config) return [];
  const managed = managedFields(kubeletConfigFields(c, { version: 2, controllersWritable: true }));
  return Object.keys(config).flatMap((key) => {
    const field = managed.get(key);
    return field ? [error(at('kubelet', 'config', key), overrideRefusedReason(key, field.from))] : [];
  });
}

function documentProblems(c: Cluster): Problem[] {
  const apiserver = c.spec.components?.apiserver;
  const checks = [
    ['auditPolicy', apiserver?.auditPolicy, AUDIT_POLICY],
    ['admissionConfiguration', apiserver?.admissionConfiguration, ADMISSION_CONFIGURATION],
  ] as const;
  return checks.flatMap(([field, text, kind]) => {
    const problem = text === undefined ? undefined : userDocumentProblem(text, kind);
    return problem ? [error(at('apiserver', field), problem)] : [];
  });
}
