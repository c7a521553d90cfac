// Ports for the servers tests start (Temporal, sshd, etcd). They come from below the kernel's
// ephemeral range: a port from bind(0) is free only until someone else's bind(0) or outgoing
// connection takes it, and the Temporal dev server picks its own internal ports exactly that
// way, which once made a test server lose its frontend port between our pick and its start.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const start = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(start) && start > 12_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free 127.0.0.1 port below the ephemeral range, never the same one twice in a process. */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart();
  const low = high - 10_000;
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${low} and ${high}`);
}
