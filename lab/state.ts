// A lab's recorded state (labs/NAME/lab.json): enough to find and tear down everything even
// after a crash. Live facts (running, partitioned) are read from the system, not stored.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hakubeHome, labDir } from './names';

export interface LabHostRecord {
  name: string;
  role: 'master' | 'worker';
  address: string;
}

export interface LabRecord {
  name: string;
  subnet: string;
  vip: string;
  createdAt: string;
  /** The base tree under the lab's overlays: kept for the lab's life, even when the recipe changes. */
  base?: string;
  hosts: LabHostRecord[];
}

const file = (lab: string) => join(labDir(lab), 'lab.json');

export function readLab(lab: string): LabRecord | undefined {
  try {
    return JSON.parse(readFileSync(file(lab), 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

export function writeLab(record: LabRecord): void {
  mkdirSync(labDir(record.name), { recursive: true });
  writeFileSync(file(record.name), `${JSON.stringify(record, null, 2)}\n`);
}

export function listLabs(): string[] {
  const dir = join(hakubeHome(), 'labs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => existsSync(file(n)));
}

/** Stable addresses: masters .11-.19, workers .101-.199, VIP .10. */
export function addressFor(subnet: string, role: 'master' | 'worker', index: number): string {
  return `${subnet}.${role === 'master' ? 11 + index : 101 + index}`;
}
