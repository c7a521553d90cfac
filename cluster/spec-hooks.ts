// The configuration hooks of the spec (docs/configuration.md): extra flags and feature gates per
// component, a partial KubeletConfiguration, the apiserver's audit policy, admission
// configuration and extra certificate SANs, and an HTTP(S) proxy for image pulls. Every field is
// optional and has no default, so a spec without them parses (and renders) exactly as before.
// Shape only here; what hakube manages and refuses is checked in validate-hooks.ts.
import { z } from 'zod';
import { HOST_OR_ADDRESS, isPlainHttpUrl } from './spec-shared';

/** A flag name without its leading `--`, as the Kubernetes binaries and etcd spell them. */
export const FLAG_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** A feature gate name: CamelCase letters and digits (Kubernetes' own gates). */
export const FEATURE_GATE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
/** A NO_PROXY entry: a host, `.domain`, `*.domain`, an address, a CIDR, with an optional port; or `*`. */
export const NO_PROXY_ENTRY =
  /^(\*|[*.]?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(\/[0-9]{1,2})?(:[0-9]{1,5})?)$/;

const extraArgs = z.record(
  z.string().regex(FLAG_NAME, 'must be a flag name without "--": a-z, 0-9 and "-"'),
  // eslint-disable-next-line no-control-regex
  z.string().regex(/^[^\n\r\x00]*$/, 'must not contain a newline or NUL'),
);
export const featureGates = z.record(
  z.string().regex(FEATURE_GATE_NAME, 'must be a feature gate name (letters and digits)'),
  z.boolean({ error: 'must be true or false' }),
);
const kubeComponent = z.strictObject({
  extraArgs: extraArgs.optional(),
  featureGates: featureGates.optional(),
});

/** A whole YAML document in a string (a file of its own on the hosts: newlines allowed there). */
const yamlDocument = z.string().min(1, 'must not be empty');

const apiserver = kubeComponent.extend({
  auditPolicy: yamlDocument.optional(),
  admissionConfiguration: yamlDocument.optional(),
  certSANs: z.array(z.string().regex(HOST_OR_ADDRESS, 'must be an IPv4 address or a DNS name')).optional(),
});

// A partial KubeletConfiguration / KubeProxyConfiguration merged over hakube's (validate-hooks.ts
// refuses the fields hakube manages).
const configFile = kubeComponent.extend({ config: z.record(z.string(), z.unknown()).optional() });

export const components = z.strictObject({
  apiserver: apiserver.optional(),
  controllerManager: kubeComponent.optional(),
  scheduler: kubeComponent.optional(),
  kubelet: configFile.optional(),
  kubeProxy: configFile.optional(),
  // etcd's feature gates are its own (not Kubernetes'): spec.featureGates never reaches it, and
  // `feature-gates` stays available in its extraArgs.
  etcd: z.strictObject({ extraArgs: extraArgs.optional() }).optional(),
});

export const proxy = z
  .strictObject({
    http: z
      .string()
      .refine(isPlainHttpUrl, 'must be an http(s) URL without credentials or quotes')
      .optional(),
    https: z
      .string()
      .refine(isPlainHttpUrl, 'must be an http(s) URL without credentials or quotes')
      .optional(),
    noProxy: z
      .array(z.string().regex(NO_PROXY_ENTRY, 'must be a host, .domain, address or CIDR (optionally :port)'))
      .optional(),
  })
  .refine((p) => p.http !== undefined || p.https !== undefined, {
    message: 'set http, https or both (or leave proxy out)',
    path: ['http'],
  });
