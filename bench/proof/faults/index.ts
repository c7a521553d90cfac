// Fault-injection and bad-input scenarios, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';

export const faultScenarios: ProofScenario[] = [];
