// What every install phase reads and adds to: the spec, the progress, the run's warnings.
import type { Cluster } from '../../cluster/spec';
import type { OperationRun } from '../shared/operation';

export interface InstallRun extends OperationRun {
  cluster: Cluster;
  warnings: string[];
}
