// checkHostCertificates: every certificate on a host, in the known places (kubernetes and etcd
// PKI, kubeconfigs' embedded client certs, kubelet PKI), against the certificate table and the
// cluster's CAs. Certificates are cut out of their files on the host: a key never leaves it.
import { ApplicationFailure } from '@temporalio/common';
import type * as x509 from '@peculiar/x509';
import { certReport, type CertReportRow, type FoundCert } from '../../cluster/pki/cert-report';
import { pkiInputFromCluster } from '../../cluster/pki/input';
import { caProfiles, profilesForHost } from '../../cluster/pki/profiles';
import { ETCD_PKI_DIR, KUBE_DIR, PKI_DIR } from '../../cluster/layout';
import { ErrorTypes } from '../../cluster/errors';
import { hostByName } from '../../cluster/topology';
import { resolveHost, type HostInput, type HostProvider } from '../context';
import { readText, type Host } from '../ssh';
import { shq } from '../ssh/shell';
import { certFacts } from './certificate-check';
import { parseCertificate } from './x509';

export const KUBELET_PKI_DIR = '/var/lib/kubelet/pki';

const LIST = [
  `find ${PKI_DIR} ${ETCD_PKI_DIR} ${KUBELET_PKI_DIR} -maxdepth 1 -type f -name '*.crt' 2>/dev/null`,
  `find ${KUBE_DIR} -maxdepth 1 -type f -name '*.conf' 2>/dev/null`,
  // The kubelet's rotated client and serving certificates (symlinks to files holding cert and key).
  ...['kubelet-client-current.pem', 'kubelet-server-current.pem'].map(
    (f) => `test -e ${KUBELET_PKI_DIR}/${f} && echo ${KUBELET_PKI_DIR}/${f}`,
  ),
  'true',
].join('; ');

/** Only the certificate's PEM, taken out on the host (kubeconfigs and .pem files also hold a key). */
async function certificatePem(host: Host, path: string): Promise<string | undefined> {
  if (path.endsWith('.conf')) {
    const r = await host.run(`sed -n 's/^ *client-certificate-data: *//p' ${shq(path)} | head -1`);
    const b64 = r.stdout.trim();
    return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined; // token kubeconfigs have none
  }
  const r = await host.run(
    `sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' ${shq(path)}`,
  );
  return r.stdout.trim() || undefined;
}

async function signerOf(cert: x509.X509Certificate, cas: Map<string, x509.X509Certificate>) {
  for (const [name, ca] of cas)
    if (cert.issuer === ca.subject && (await cert.verify({ publicKey: ca, signatureOnly: true })))
      return name;
  return undefined;
}

export function createCertificateCheckActivities(deps: { hosts: HostProvider; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async checkHostCertificates(input: HostInput): Promise<CertReportRow[]> {
      const { host } = resolveHost(deps.hosts, input);
      const pki = pkiInputFromCluster(input.cluster);
      // The cluster's CAs, public certificates only, from where they are kept.
      const cas = new Map<string, x509.X509Certificate>();
      for (const profile of caProfiles(pki)) {
        const source = deps.hosts.hostFor(input.cluster, hostByName(input.cluster, profile.sourceHost));
        const pem = await readText(source, profile.certPath);
        if (!pem)
          throw ApplicationFailure.create({
            type: ErrorTypes.ConfigInvalid,
            message: `${profile.certPath} is missing on ${profile.sourceHost}: is the cluster installed?`,
            nonRetryable: true,
          });
        cas.set(profile.ca, parseCertificate(pem));
      }
      const listing = await host.run(LIST);
      const paths = [...new Set(listing.stdout.split('\n').filter(Boolean))].sort();
      const found: FoundCert[] = [];
      const unreadable: string[] = [];
      const at = now();
      for (const path of paths) {
        const pem = await certificatePem(host, path);
        if (!pem) continue;
        let cert: x509.X509Certificate;
        try {
          cert = parseCertificate(pem);
        } catch {
          unreadable.push(path);
          continue;
        }
        const facts = await certFacts(cert, at);
        found.push({
          path,
          kind: path.endsWith('.conf') ? 'kubeconfig' : 'certificate',
          subject: facts.subject,
          issuer: facts.issuer,
          serial: facts.serial,
          notAfter: facts.notAfter,
          daysLeft: facts.daysLeft,
          dnsNames: facts.dnsNames,
          ipAddresses: facts.ipAddresses,
          selfSigned: facts.subject === facts.issuer,
          signedBy: await signerOf(cert, cas),
        });
      }
      return certReport({
        host: input.host,
        expected: profilesForHost(pki, input.host),
        found,
        unreadable,
        renewBeforeDays: input.cluster.spec.certificates.renewBeforeDays,
      });
    },
  };
}
