// Fault-injection and bad-input scenarios, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';
import { badInput } from './bad-input';
import { diskFull } from './disk-full';
import { hostOff } from './host-off';
import { partition } from './partition';
import { restoreKill } from './restore-kill';
import { serverRestart } from './server-restart';
import { sshdRestart } from './sshd-restart';
import { workerKills } from './worker-kills';

export const faultScenarios: ProofScenario[] = [
  workerKills,
  serverRestart,
  hostOff,
  partition,
  sshdRestart,
  diskFull,
  restoreKill,
  badInput,
];
