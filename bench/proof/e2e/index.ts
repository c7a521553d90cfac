// The lab e2e as a whole, with the tests CI's time budget leaves out.
import type { ProofScenario } from '../scenario';
import { labLong } from './lab-long';

export const e2eScenarios: ProofScenario[] = [labLong];
