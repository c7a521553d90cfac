// The plan an operation waits to have approved, as the run itself shows it (its folder names
// carry the run's time stamp), with the commands that decide.
import type { HakubeClient } from '../hakube-client';

export async function approvalPlanLines(client: HakubeClient, id: string, what: string): Promise<string[]> {
  for (let i = 0; i < 30; i++) {
    const p = await client.progress(id).catch(() => undefined);
    const asked = p?.waiting ?? p?.decisions.at(-1);
    if (asked?.plan) {
      const lines = asked.plan.map((l) => `  plan: ${l}`);
      if (p?.waiting)
        lines.push(
          `  waiting for approval until ${p.waiting.deadline}:`,
          `    hakube approve ${id}    or    hakube reject ${id} --reason "..."`,
        );
      else lines.push('  approved in advance (--yes)');
      return lines;
    }
    if (p && p.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return [`  ${what}: see hakube status ${id}`];
}
