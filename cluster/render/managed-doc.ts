// docs/configuration.md's list of what hakube manages, written from the renderers' own lists
// (managed-flags.ts, the kubelet configuration table): a unit test keeps the page equal to it.
import type { Cluster } from '../spec';
import { COMPONENTS } from './hooks';
import { managedFlags } from './managed-flags';
import { kubeletConfigFields } from './kubelet-config';
import { kubeProxyConfigFields } from './node';
import { managedFields } from './config-fields';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function managedSettingsMarkdown(c: Cluster): string {
  const lines: string[] = [];
  for (const component of COMPONENTS) {
    lines.push(`**${component}** (\`spec.components.${component}.extraArgs\` cannot name these):`, '');
    lines.push('| flag | hakube sets it |', '| --- | --- |');
    const flags = managedFlags(c, component);
    for (const [name, from] of flags) lines.push(`| \`--${name}\` | ${cell(from ?? 'to a fixed value')} |`);
    if (component !== 'etcd' && !flags.has('feature-gates'))
      lines.push(
        `| \`--feature-gates\` | from spec.featureGates and spec.components.${component}.featureGates |`,
      );
    lines.push('');
  }
  const files = [
    ['KubeletConfiguration', 'kubelet', kubeletConfigFields(c, { version: 2, controllersWritable: true })],
    ['KubeProxyConfiguration', 'kubeProxy', kubeProxyConfigFields(c, c.spec.hosts[0])],
  ] as const;
  for (const [kind, component, fields] of files) {
    lines.push(`**${kind}** (\`spec.components.${component}.config\` cannot name these):`, '');
    lines.push('| field | hakube sets it |', '| --- | --- |');
    for (const [key, f] of managedFields(fields)) lines.push(`| \`${key}\` | ${cell(f.from)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
