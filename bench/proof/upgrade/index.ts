// Upgrade scenarios, in the order `npm run proof` runs them.
import type { ProofScenario } from '../scenario';
import { rolling } from './rolling';

export const upgradeScenarios: ProofScenario[] = [rolling];
