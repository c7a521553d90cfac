// Security checks and benchmarks, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';

export const measureScenarios: ProofScenario[] = [];
