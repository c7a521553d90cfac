// Which of hakube's search attributes a namespace has, lacks, or has with another type. Pure:
// the setup command registers what is missing, the worker refuses to start without them.
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_TYPES } from '../../cluster/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
type IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** Temporal's names for the types (as `temporal operator search-attribute` prints them). */
const TYPE_NAMES: Readonly<Record<string, IndexedValueType>> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export function indexedValueType(name: string): IndexedValueType {
  const type = TYPE_NAMES[name];
  if (type === undefined) throw new Error(`unknown search attribute type ${name}`);
  return type;
}

export function typeName(type: IndexedValueType | number): string {
  return Object.entries(TYPE_NAMES).find(([, t]) => t === type)?.[0] ?? `type ${type}`;
}

export interface WrongType {
  name: string;
  want: string;
  have: string;
}

export interface AttributeComparison {
  present: string[];
  missing: string[];
  wrongType: WrongType[];
}

/** hakube's attributes (`wanted`: name → type name) against a namespace's custom attributes. */
export function compareSearchAttributes(
  existing: Readonly<Record<string, IndexedValueType | number>>,
  wanted: Readonly<Record<string, string>> = SEARCH_ATTRIBUTE_TYPES,
): AttributeComparison {
  const result: AttributeComparison = { present: [], missing: [], wrongType: [] };
  for (const [name, want] of Object.entries(wanted)) {
    const have = existing[name];
    if (have === undefined) result.missing.push(name);
    else if (have !== indexedValueType(want)) result.wrongType.push({ name, want, have: typeName(have) });
    else result.present.push(name);
  }
  return result;
}

/** "HakubePhase is Text, hakube needs Keyword; …" */
export function describeWrongTypes(wrong: WrongType[]): string {
  return wrong.map((w) => `${w.name} is ${w.have}, hakube needs ${w.want}`).join('; ');
}
