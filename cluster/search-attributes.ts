// Typed search attributes that make hakube workflows filterable in the Web UI and `hakube ls`.
// The dev server registers them at start (`hakube server start`); see SEARCH_ATTRIBUTE_TYPES.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const HakubeCluster = defineSearchAttributeKey('HakubeCluster', SearchAttributeType.KEYWORD);
export const HakubeOperation = defineSearchAttributeKey('HakubeOperation', SearchAttributeType.KEYWORD);
export const HakubePhase = defineSearchAttributeKey('HakubePhase', SearchAttributeType.KEYWORD);

/** Name → dev-server type, for `temporal server start-dev --search-attribute NAME=TYPE`. */
export const SEARCH_ATTRIBUTE_TYPES: Readonly<Record<string, 'Keyword'>> = {
  HakubeCluster: 'Keyword',
  HakubeOperation: 'Keyword',
  HakubePhase: 'Keyword',
};

export const TASK_QUEUE = 'hakube';
