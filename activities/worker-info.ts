// describeWorker: what the worker that runs hakube's activities is. Used by the self-test
// workflow to prove the whole path (client → server → worker → activity) works.
import { hostname } from 'node:os';

export interface WorkerInfo {
  hostname: string;
  pid: number;
  nodeVersion: string;
  hakubeVersion: string;
}

export function createWorkerInfoActivities(deps: { version: string }) {
  return {
    async describeWorker(): Promise<WorkerInfo> {
      return {
        hostname: hostname(),
        pid: process.pid,
        nodeVersion: process.version,
        hakubeVersion: deps.version,
      };
    },
  };
}
