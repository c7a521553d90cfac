// Security checks and benchmarks, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';
import { sshBench } from './ssh';
import { fanoutBench } from './fanout';

export const measureScenarios: ProofScenario[] = [sshBench, fanoutBench];
