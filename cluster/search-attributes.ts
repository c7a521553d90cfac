// Typed search attributes that make hakube workflows filterable in the Web UI and `hakube ls`.
// `hakube namespace setup` registers them (and `hakube server start` for its dev server); workers
// only check that they exist (client/namespace/).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const HakubeCluster = defineSearchAttributeKey('HakubeCluster', SearchAttributeType.KEYWORD);
export const HakubeOperation = defineSearchAttributeKey('HakubeOperation', SearchAttributeType.KEYWORD);
export const HakubePhase = defineSearchAttributeKey('HakubePhase', SearchAttributeType.KEYWORD);

/** Name → type, as `temporal server start-dev --search-attribute NAME=TYPE` and the setup take them. */
export const SEARCH_ATTRIBUTE_TYPES: Readonly<Record<string, 'Keyword'>> = {
  HakubeCluster: 'Keyword',
  HakubeOperation: 'Keyword',
  HakubePhase: 'Keyword',
};

export const TASK_QUEUE = 'hakube';
