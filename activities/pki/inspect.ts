// What certificates a host has: every *.crt under the PKI folders and the client certificate
// embedded in each kubeconfig. Metadata only: keys are never read.
import { ETCD_PKI_DIR, KUBE_DIR, PKI_DIR } from '../../cluster/layout';
import { readEmbeddedKubeconfig } from '../../cluster/render/kubeconfig';
import { readText, type Host } from '../ssh';
import { certFacts, type CertFacts } from './certificate-check';
import { parseCertificate } from './x509';

export interface CertificateInfo extends CertFacts {
  host: string;
  path: string;
  kind: 'certificate' | 'kubeconfig';
  isCa: boolean;
}

export interface InspectResult {
  host: string;
  certificates: CertificateInfo[];
  /** Files that exist but could not be parsed. */
  unreadable: string[];
}

const LIST = `find ${PKI_DIR} ${ETCD_PKI_DIR} -maxdepth 1 -type f -name '*.crt' 2>/dev/null; find ${KUBE_DIR} -maxdepth 1 -type f -name '*.conf' 2>/dev/null; true`;

export async function inspectCertificates(host: Host, now: Date): Promise<InspectResult> {
  const listing = await host.run(LIST);
  const paths = [...new Set(listing.stdout.split('\n').filter(Boolean))].sort();
  const certificates: CertificateInfo[] = [];
  const unreadable: string[] = [];
  for (const path of paths) {
    const text = await readText(host, path);
    if (text === undefined) continue;
    try {
      const kind = path.endsWith('.conf') ? 'kubeconfig' : 'certificate';
      const pem = kind === 'kubeconfig' ? readEmbeddedKubeconfig(text).certPem : text;
      if (!pem) continue; // token kubeconfigs (bootstrap) carry no certificate
      const cert = parseCertificate(pem);
      const facts = await certFacts(cert, now);
      certificates.push({ host: host.name, path, kind, isCa: facts.subject === facts.issuer, ...facts });
    } catch {
      unreadable.push(path);
    }
  }
  return { host: host.name, certificates, unreadable };
}
