// Validation of the configuration hooks (spec-hooks.ts) against what hakube renders: an extra
// flag or a kubelet configuration field that hakube sets itself is refused, naming the setting
// that controls it; the audit policy and AdmissionConfiguration must be what the apiserver
// reads. The managed sets come from the renderers (cluster/render/managed-flags.ts), which need
// a parsed spec: the hooks are read from the raw document, so they are checked even when the
// schema refused something else (every problem is reported at once).
import { clusterSpecSchema, type Cluster } from './spec';
import { error, type PathSegment, type Problem } from './problems';
import { COMPONENTS, type Component } from './render/hooks';
import { managedFlags } from './render/managed-flags';
import { kubeletConfigFields } from './render/kubelet-config';
import { kubeProxyConfigFields } from './render/node';
import { managedFields } from './render/config-fields';
import { overrideRefusedReason } from './render/refuse';
import { ADMISSION_CONFIGURATION, AUDIT_POLICY, userDocumentProblem } from './render/user-documents';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

const at = (component: Component, ...rest: PathSegment[]): PathSegment[] => [
  'spec',
  'components',
  component,
  ...rest,
];

/**
 * What the renderers are asked for the managed sets: the parsed spec, or when the schema refused
 * it, the spec parsed without its hooks; with the one hook that changes the managed flags (an
 * AdmissionConfiguration adds --admission-control-config-file) taken from the document.
 */
function renderable(doc: unknown, parsed: Cluster | undefined): Cluster | undefined {
  const raw = obj(doc);
  const spec = obj(raw.spec);
  let c = parsed;
  if (!c) {
    const bare = clusterSpecSchema.safeParse({
      ...raw,
      spec: { ...spec, components: undefined, featureGates: undefined, proxy: undefined },
    });
    if (!bare.success) return undefined;
    c = bare.data;
  }
  const admission = obj(obj(spec.components).apiserver).admissionConfiguration;
  if (typeof admission !== 'string' || c.spec.components?.apiserver?.admissionConfiguration !== undefined)
    return c;
  return { ...c, spec: { ...c.spec, components: { apiserver: { admissionConfiguration: admission } } } };
}

/** Problems of the hooks in `doc`; `parsed` is the document's parse when the schema took it. */
export function hookProblems(doc: unknown, parsed?: Cluster): Problem[] {
  const components = obj(obj(obj(doc).spec).components);
  const c = renderable(doc, parsed);
  return [
    ...(c ? extraArgProblems(c, components) : []),
    ...(c ? configFileProblems(c, components) : []),
    ...documentProblems(components),
  ];
}

function extraArgProblems(c: Cluster, components: Obj): Problem[] {
  return COMPONENTS.flatMap((component) => {
    const args = obj(obj(components[component]).extraArgs);
    const names = Object.keys(args);
    if (names.length === 0) return [];
    const managed = managedFlags(c, component);
    return names.flatMap((name) => {
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

/** Managed fields named in spec.components.kubelet.config or spec.components.kubeProxy.config. */
function configFileProblems(c: Cluster, components: Obj): Problem[] {
  const host = c.spec.hosts[0];
  const tables = [
    ['kubelet', kubeletConfigFields(c, { version: 2, controllersWritable: true })],
    ['kubeProxy', kubeProxyConfigFields(c, host)],
  ] as const;
  return tables.flatMap(([component, fields]) => {
    const managed = managedFields(fields);
    return Object.keys(obj(obj(components[component]).config)).flatMap((key) => {
      const field = managed.get(key);
      return field ? [error(at(component, 'config', key), overrideRefusedReason(key, field.from))] : [];
    });
  });
}

function documentProblems(components: Obj): Problem[] {
  const apiserver = obj(components.apiserver);
  const checks = [
    ['auditPolicy', AUDIT_POLICY],
    ['admissionConfiguration', ADMISSION_CONFIGURATION],
  ] as const;
  return checks.flatMap(([field, kind]) => {
    const text = apiserver[field];
    const problem = typeof text === 'string' && text !== '' ? userDocumentProblem(text, kind) : undefined;
    return problem ? [error(at('apiserver', field), problem)] : [];
  });
}
