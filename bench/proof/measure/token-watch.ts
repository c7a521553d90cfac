// Catches the bootstrap tokens an install creates, so the history scan can look for the actual
// secrets: hakube deletes each token once its kubelet has bootstrapped (seconds later), so one
// remote loop on the first control-plane host lists them every second while the install runs.
// The tokens stay in this process's memory (for the scan) and are never written anywhere.
import type { RemoteHost } from '../../../activities/ssh';
import { kubectl } from '../../../activities/controlplane/control-plane';
import type { KnownSecret } from '../../../test/helpers/history-scan';

const LIST = kubectl(
  `-n kube-system get secrets --field-selector type=bootstrap.kubernetes.io/token -o go-template='{{range .items}}{{index .data "token-id"}} {{index .data "token-secret"}}{{"\\n"}}{{end}}'`,
);
const LOOP = `while :; do if [ -f /etc/kubernetes/admin.conf ] && [ -x /usr/local/bin/kubectl ]; then ${LIST} 2>/dev/null; fi; sleep 1; done`;

export interface TokenWatch {
  /** Stops the loop; the tokens seen, as known secrets (id.secret and the secret alone). */
  stop(): Promise<{ tokens: number; secrets: KnownSecret[] }>;
}

export function watchBootstrapTokens(host: RemoteHost): TokenWatch {
  const abort = new AbortController();
  const seen = new Map<string, string>();
  let pending = '';
  const onOutput = (chunk: string, stream: 'stdout' | 'stderr') => {
    if (stream !== 'stdout') return;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [id, secret] = line.trim().split(' ');
      if (id && secret)
        seen.set(Buffer.from(id, 'base64').toString(), Buffer.from(secret, 'base64').toString());
    }
  };
  const running = host
    .exec(LOOP, { onOutput, signal: abort.signal, timeoutMs: 4 * 60 * 60_000 })
    .catch(() => undefined);
  return {
    // Safe to call twice (a finally, then the caller): the loop stops once.
    async stop() {
      abort.abort();
      await running;
      const secrets = [...seen].flatMap(([id, secret]) => [
        { what: `bootstrap token ${id}`, value: `${id}.${secret}` },
        { what: `bootstrap token ${id} (secret part)`, value: secret },
      ]);
      return { tokens: seen.size, secrets };
    },
  };
}
