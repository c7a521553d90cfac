// Kubernetes conformance on the lab (docs/conformance.md), after the other scenarios: the longest.
import type { ProofScenario } from '../scenario';
import { conformanceFull } from './full';

export const conformanceScenarios: ProofScenario[] = [conformanceFull];
