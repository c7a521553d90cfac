// `--from` parsing: one source for every component (`source`), or per component
// (`kubernetes=source,etcd=debian,cni=release`); unnamed components keep their defaults.
import {
  BUNDLE_SOURCES,
  COMPONENT_NAMES,
  COMPONENTS,
  type BundleSource,
  type ComponentName,
} from './components';
import { DEFAULT_SOURCES } from './versions';

export class BundleInputError extends Error {
  override name = 'BundleInputError';
}

export type SourceSelection = Record<ComponentName, BundleSource>;

export interface ParsedFrom {
  sources: SourceSelection;
  /** Components a bare `--from X` could not move to X (it cannot provide them). */
  notes: string[];
}

function isSource(s: string): s is BundleSource {
  return (BUNDLE_SOURCES as readonly string[]).includes(s);
}

function isComponent(s: string): s is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(s);
}

function requireSupported(component: ComponentName, source: BundleSource): void {
  if (!COMPONENTS[component].sources.includes(source))
    throw new BundleInputError(
      `--from: ${component} cannot come from ${source} (possible: ${COMPONENTS[component].sources.join(', ')})`,
    );
}

/** Parses `--from`; undefined or empty gives the defaults. Throws BundleInputError naming the bad part. */
export function parseFrom(spec: string | undefined): ParsedFrom {
  const sources: SourceSelection = { ...DEFAULT_SOURCES };
  const notes: string[] = [];
  const text = (spec ?? '').trim();
  if (!text) return { sources, notes };

  if (!text.includes('=')) {
    if (!isSource(text))
      throw new BundleInputError(`--from: unknown source "${text}" (expected ${BUNDLE_SOURCES.join(', ')})`);
    for (const c of COMPONENT_NAMES) {
      if (COMPONENTS[c].sources.includes(text)) sources[c] = text;
      else notes.push(`${c} cannot come from ${text}; using ${sources[c]}`);
    }
    return { sources, notes };
  }

  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const [rawName, rawSource, ...extra] = part.split('=').map((s) => s.trim());
    if (!rawName || !rawSource || extra.length)
      throw new BundleInputError(`--from: expected component=source, got "${part.trim()}"`);
    if (!isComponent(rawName))
      throw new BundleInputError(
        `--from: unknown component "${rawName}" (expected ${COMPONENT_NAMES.join(', ')})`,
      );
    if (!isSource(rawSource))
      throw new BundleInputError(
        `--from: unknown source "${rawSource}" for ${rawName} (expected ${BUNDLE_SOURCES.join(', ')})`,
      );
    if (seen.has(rawName)) throw new BundleInputError(`--from: ${rawName} given twice`);
    seen.add(rawName);
    requireSupported(rawName, rawSource);
    sources[rawName] = rawSource;
  }
  return { sources, notes };
}

/** `kubernetes=source,kubectl=source,...` in table order: the canonical text of a selection. */
export function formatFrom(sources: SourceSelection): string {
  return COMPONENT_NAMES.map((c) => `${c}=${sources[c]}`).join(',');
}
