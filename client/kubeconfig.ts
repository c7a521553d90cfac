// Kubeconfigs for people, straight over SSH from the first control-plane host and never through
// a workflow (their keys must not land in any history): the admin kubeconfig as installed, or
// one for a named user with a client certificate of its own, signed there by the cluster CA
// read into this process's memory only.
import { ApplicationFailure } from '@temporalio/common';
import { kubeconfigs } from '../cluster/layout';
import type { Cluster } from '../cluster/spec';
import { apiEndpoint, primaryControlPlane } from '../cluster/topology';
import { renderEmbeddedKubeconfig } from '../cluster/render/kubeconfig';
import { withSshHostProvider } from '../activities/ssh-hosts';
import { readText, type Host } from '../activities/ssh';
import { createLeaf, privateKeyPem } from '../activities/pki/x509';
import { loadCa } from '../activities/pki/ca-store';
import { pkiInputFromCluster } from '../cluster/pki/input';
import { caProfile } from '../cluster/pki/profiles';
import { InputError } from './exit-codes';

export interface UserKubeconfigRequest {
  user: string;
  groups: string[];
  validityDays: number;
}

async function onFirstControlPlane<T>(cluster: Cluster, run: (host: Host) => Promise<T>): Promise<T> {
  try {
    return await withSshHostProvider((hosts) => run(hosts.hostFor(cluster, primaryControlPlane(cluster))));
  } catch (err) {
    // SSH and missing-file failures are facts about the cluster the user must look at.
    if (err instanceof ApplicationFailure) throw new InputError(err.message);
    throw err;
  }
}

async function readRequired(host: Host, path: string): Promise<string> {
  const text = await readText(host, path);
  if (!text) throw new InputError(`${host.name}: ${path} is missing (is the cluster installed?)`);
  return text;
}

/** The admin kubeconfig the install wrote (it points at the API endpoint). */
export function adminKubeconfig(cluster: Cluster): Promise<string> {
  return onFirstControlPlane(cluster, (host) => readRequired(host, kubeconfigs.admin));
}

/** A kubeconfig for `user` (groups as Organizations), with a new key and a client cert from the cluster CA. */
export function userKubeconfig(cluster: Cluster, req: UserKubeconfigRequest, now: Date): Promise<string> {
  return onFirstControlPlane(cluster, async (host) => {
    const ca = await loadCa(host, caProfile(pkiInputFromCluster(cluster), 'kubernetes-ca'));
    const { cert, keys } = await createLeaf(
      {
        commonName: req.user,
        organizations: req.groups,
        dnsNames: [],
        ipAddresses: [],
        usages: ['clientAuth'],
        validityDays: req.validityDays,
      },
      ca,
      cluster.spec.certificates.keyAlgorithm,
      now,
    );
    return renderEmbeddedKubeconfig({
      cluster: cluster.metadata.name,
      server: apiEndpoint(cluster).url,
      caPem: ca.certPem,
      userName: req.user,
      certPem: cert.toString('pem'),
      keyPem: await privateKeyPem(keys.privateKey),
    });
  });
}
