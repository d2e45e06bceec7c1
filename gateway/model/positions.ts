// Where in a manifest text an object, or one field of it, is written: the 1-based line a
// problem should point at. Pure (text in, lines out); parsed once per file by the caller.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

export interface ObjectKey {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Locator {
  /** Line of `field` ("spec.rules[0].matches[1].path") in the object, else of the deepest part of it that exists, else of the object. */
  line(obj: ObjectKey, field?: string): number | undefined;
}

interface Entry { kind: string; name: string; namespace?: string; node: Node }

export function createLocator(text: string): Locator {
  const counter = new LineCounter();
  const entries: Entry[] = [];
  let docs: { contents: unknown }[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter: counter });
    docs = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    docs = [];
  }
  const collect = (node: unknown) => {
    if (!isMap(node)) return;
    const kind = node.get('kind');
    const items = node.get('items');
    if (typeof kind === 'string' && kind.endsWith('List') && isSeq(items)) {
      for (const item of items.items) collect(item);
      return;
    }
    const meta = node.get('metadata');
    const name = isMap(meta) ? meta.get('name') : undefined;
    const ns = isMap(meta) ? meta.get('namespace') : undefined;
    if (typeof kind === 'string' && typeof name === 'string') {
      entries.push({ kind, name, namespace: typeof ns === 'string' ? ns : undefined, node: node as Node });
    }
  };
  for (const d of docs) collect(d.contents);

  const lineAt = (node: Node | undefined): number | undefined => {
    const start = node?.range?.[0];
    return start === undefined ? undefined : counter.linePos(start).line;
  };

  return {
    line(obj, field) {
      // An object without metadata.namespace is defaulted when read, so it matches any namespace.
      const e = entries.find((x) => x.kind === obj.kind && x.name === obj.name && (x.namespace === undefined || x.namespace === obj.namespace))
        ?? entries.find((x) => x.kind === obj.kind && x.name === obj.name);
      if (e === undefined) return undefined;
      let node: Node = e.node;
      let line = lineAt(node);
      for (const seg of fieldPath(field ?? '')) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
          if (pair === undefined) break;
          // The key's line: for a nested block the value starts on the next line.
          line = lineAt(pair.key as Node) ?? line;
          if (!pair.value) break;
          node = pair.value as Node;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (item === undefined) break;
          line = lineAt(item) ?? line;
          node = item;
        } else {
          break;
        }
      }
      return line;
    },
  };
}

/** "spec.rules[0].backendRefs[1].name" → ['spec', 'rules', 0, 'backendRefs', 1, 'name']. */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[1]!);
  }
  return out;
}
