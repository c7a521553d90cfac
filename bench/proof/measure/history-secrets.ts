// security/history-secrets: no private key, bootstrap token or kubeconfig in any workflow history.
// Scanned: every execution on the dev servers of the scenarios of this package run before it in
// this process (each scans its own before closing, with the keys and tokens of its lab), and the
// recorded histories under test/histories. Run alone, it installs a small lab of its own first.
// A planted key in a payload shows the scanner finds what a raw-text match would miss.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { controlPlaneHosts } from '../../../cluster/topology';
import { REPO_ROOT } from '../../../test/helpers/temp-home';
import { openLabSession } from '../../../test/helpers/lab-session';
import type { ProofScenario } from '../scenario';
import { scanHistory } from '../../../test/helpers/history-scan';
import { describeScan, keptScans, scanRecordedHistories, type LabeledScan } from './history-sources';
import { runInstall } from './install-run';
import { keysOnHosts, scanSession } from './session-scan';
import { watchBootstrapTokens } from './token-watch';

const LAB = 'pb-hist';

/** A history whose only activity result holds a PEM key, base64-encoded as the CLI prints payloads. */
function plantedHistory(): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const result = JSON.stringify({
    // A real key made for the control, never one kept in the source.
    pem: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'sec1',
      format: 'pem',
    }),
  });
  return JSON.stringify({
    events: [
      {
        activityTaskCompletedEventAttributes: {
          result: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(result) }] },
        },
      },
    ],
  });
}

/** Run alone: a 3 + 1 lab installed and certificate-checked, its keys and tokens looked for. */
async function ownRun(log: (l: string) => void): Promise<LabeledScan> {
  // The suite's shape (three control-plane hosts), with one worker to keep it small.
  const session = await openLabSession({ name: LAB, masters: 3, workers: 1, log });
  try {
    const { cluster } = session;
    const watch = watchBootstrapTokens(session.on(controlPlaneHosts(cluster)[0].name));
    await runInstall(session, log).finally(() => watch.stop());
    const tokens = await watch.stop();
    await session.client.result((await session.client.startCertsCheck({ cluster })).workflowId);
    const { keys } = await keysOnHosts(session);
    return scanSession(session, keys, tokens.secrets);
  } finally {
    await session.close();
  }
}

export const historySecrets: ProofScenario = {
  name: 'security/history-secrets',
  kind: 'security',
  claim:
    'no private key, bootstrap token or kubeconfig in any workflow history (payloads decoded): every execution on the dev servers ' +
    'of the security/ and bench/ scenarios run before it (its own small lab when run alone), and test/histories/*.json',
  minutes: 1,
  async run(ctx) {
    const planted = scanHistory('planted', plantedHistory(), []);
    const controlOk =
      planted.findings.some((f) => f.what === 'private key (PEM)') && !/PRIVATE KEY/.test(plantedHistory());
    const live = keptScans();
    if (live.length === 0) {
      ctx.log(
        'no other scenario of this run scanned its dev server: installing a small lab to have live histories',
      );
      await ownRun(ctx.log);
    }
    const scans = [...keptScans(), scanRecordedHistories(join(REPO_ROOT, 'test', 'histories'))];
    for (const s of scans) ctx.log(`${s.source}: ${describeScan(s)}`);
    const findings = scans.flatMap((s) => s.findings.map((f) => ({ ...f, source: s.source })));
    const opaque = scans.reduce((n, s) => n + s.opaquePayloads, 0);
    const histories = scans.reduce((n, s) => n + s.histories, 0);
    return {
      ok: controlOk && findings.length === 0 && opaque === 0,
      summary:
        `${histories} histories (${scans.reduce((n, s) => n + s.payloads, 0)} payloads decoded) from ${scans.length - 1} dev servers ` +
        `and test/histories: ${findings.length ? `FOUND ${findings.map((f) => `${f.what} in ${f.history}`).join('; ')}` : 'no key, token or kubeconfig'}` +
        `${opaque ? `; ${opaque} opaque payloads not read` : ''}; planted-key control ${controlOk ? 'caught' : 'MISSED'}`,
      figures: {
        histories,
        devServers: scans.length - 1,
        events: scans.reduce((n, s) => n + s.events, 0),
        payloads: scans.reduce((n, s) => n + s.payloads, 0),
        opaquePayloads: opaque,
        findings: findings.length,
        plantedKeyCaught: controlOk,
      },
      details: {
        scans: scans.map((s) => ({ source: s.source, histories: s.scanned, findings: s.findings })),
      },
    };
  },
};
