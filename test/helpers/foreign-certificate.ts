// A client certificate from a CA hakube never issued: what etcd must refuse.
import { createCa, createLeaf, privateKeyPem } from '../../activities/pki/x509';

export async function foreignClientCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const now = new Date();
  const other = await createCa('intruder-ca', 'ecdsa', 30, now);
  const leaf = await createLeaf(
    {
      commonName: 'intruder',
      organizations: [],
      dnsNames: [],
      ipAddresses: [],
      usages: ['clientAuth'],
      validityDays: 1,
    },
    { cert: other.cert, key: other.keys.privateKey },
    'ecdsa',
    now,
  );
  return { certPem: leaf.cert.toString('pem'), keyPem: await privateKeyPem(leaf.keys.privateKey) };
}
