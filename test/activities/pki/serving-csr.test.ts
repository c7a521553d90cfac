// The serving-cert approver reads the names a kubelet's CSR asks for from the request itself.
// (activities/pki/x509.ts loads the Reflect polyfill @peculiar/x509 needs: import it first.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeys, requestedSubjectAltNames } from '../../../activities/pki/x509';
import * as x509 from '@peculiar/x509';

test('the DNS names and addresses of a kubelet serving CSR', async () => {
  const keys = await generateKeys('ecdsa');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=system:node:worker-3, O=system:nodes',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'worker-3' },
        { type: 'ip', value: '10.250.0.103' },
      ]),
    ],
  });
  assert.deepEqual(requestedSubjectAltNames(csr.toString('pem')), ['worker-3', '10.250.0.103']);
});
