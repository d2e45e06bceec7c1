// RFC 7386 merge patch and the RFC 6902 operations the client sends (add, remove, replace, test).
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class PatchError extends Error {}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch is an array of operations');
  let doc = structuredClone(target);
  for (const op of ops as { op: string; path: string; value?: unknown }[]) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0) { if (op.op === 'remove') throw new PatchError('cannot remove the root'); doc = structuredClone(op.value); continue; }
    let parent: any = doc;
    for (const p of parts.slice(0, -1)) {
      if (typeof parent !== 'object' || parent === null || !(p in parent)) throw new PatchError(`path ${op.path} does not exist`);
      parent = parent[p];
    }
    const last = parts[parts.length - 1]!;
    const isArr = Array.isArray(parent);
    const idx = isArr ? (last === '-' ? parent.length : Number(last)) : -1;
    switch (op.op) {
      case 'add': if (isArr) parent.splice(idx, 0, structuredClone(op.value)); else parent[last] = structuredClone(op.value); break;
      case 'replace': if (!(last in parent)) throw new PatchError(`path ${op.path} does not exist`); parent[last] = structuredClone(op.value); break;
      case 'remove': if (!(last in parent)) throw new PatchError(`path ${op.path} does not exist`); if (isArr) parent.splice(idx, 1); else delete parent[last]; break;
      case 'test': if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new PatchError(`test failed at ${op.path}`); break;
      default: throw new PatchError(`unsupported op ${op.op}`);
    }
  }
  return doc;
}
