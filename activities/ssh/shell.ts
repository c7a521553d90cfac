// Shell quoting for the commands hakube sends to hosts.
import { shq } from '../../cluster/shell-quote';

export { shq };

/**
 * Wraps a command so that it first reports its process id on stderr (a marker line that is
 * stripped from the output) and then runs under `sh -c`. sshd makes each exec channel's
 * command a session leader, so that pid is also the process group to kill on cancellation.
 */
export const PID_MARKER = '@@hakube-pid ';
export function withPidMarker(command: string): string {
  return `printf '${PID_MARKER}%s\\n' $$ >&2; exec sh -c ${shq(command)}`;
}

export function withSudo(command: string): string {
  return `sudo -n sh -c ${shq(command)}`;
}

export function withEnv(command: string, env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return command;
  const assignments = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad environment variable name ${k}`);
    return `${k}=${shq(v)}`;
  });
  return `export ${assignments.join(' ')}; ${command}`;
}
