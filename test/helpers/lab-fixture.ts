// A lab shared by the tests of one file: booted once, torn down at the end.
import { labDown, labUp, type LabInfo } from '../../lab';

export async function bootLab(name: string, masters: number, workers = 0): Promise<LabInfo> {
  return labUp({ name, masters, workers, onProgress: (l) => process.stderr.write(`  [lab ${name}] ${l}\n`) });
}

export async function removeLab(name: string): Promise<void> {
  await labDown({ name });
}

export function addressOf(lab: LabInfo, host: string): string {
  const h = lab.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`lab ${lab.name} has no ${host}`);
  return h.address;
}
