// A tiny HTTP server on 127.0.0.1 serving fixed files: stands in for dl.k8s.io / GitHub
// releases (laid out as a mirror: /<host>/<path>) so release downloads are tested offline.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMirror {
  url: string;
  files: Map<string, Buffer>;
  requests: string[];
  close(): Promise<void>;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function startFakeMirror(files: Map<string, Buffer> = new Map()): Promise<FakeMirror> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A fake executable that prints its name and version. */
export function fakeBinary(name: string, version: string): Buffer {
  return Buffer.from(`#!/bin/sh\necho "${name} ${version}"\n`);
}
