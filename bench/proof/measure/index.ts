// Security checks and benchmarks, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';
import { sshRefusals } from './ssh-refusals';
import { onHosts } from './on-hosts';
import { cisScenario } from './cis';
import { benchInstall } from './bench-install';
import { benchBaseline } from './bench-baseline';
import { historySecrets } from './history-secrets';
import { sshBench } from './ssh';
import { fanoutBench } from './fanout';

export const measureScenarios: ProofScenario[] = [
  sshRefusals,
  onHosts,
  cisScenario,
  benchInstall,
  benchBaseline,
  // After the scenarios above: it reports the scans each ran on its own dev server.
  historySecrets,
  sshBench,
  fanoutBench,
];
