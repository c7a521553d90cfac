// A bare ssh2 command runner for tests that check hosts directly (key auth, one command).
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';

export function sshExec(
  address: string,
  privateKeyPath: string,
  command: string,
  timeoutMs = 10_000,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    const timer = setTimeout(() => {
      conn.end();
      reject(new Error(`ssh ${address}: timed out`));
    }, timeoutMs);
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) {
            clearTimeout(timer);
            conn.end();
            return reject(err);
          }
          let stdout = '';
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', () => {});
          stream.on('close', (code: number) => {
            clearTimeout(timer);
            conn.end();
            resolve({ code, stdout });
          });
        });
      })
      .on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      })
      .connect({
        host: address,
        port: 22,
        username: 'root',
        privateKey: readFileSync(privateKeyPath),
        readyTimeout: timeoutMs,
      });
  });
}
