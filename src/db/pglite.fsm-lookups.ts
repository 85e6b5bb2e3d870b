import type { PGlite } from '@electric-sql/pglite';

// PostgreSQL asks for an index's free-space map (its `<file>_fsm` fork) at every page split, and an index has none
// until it has free pages: natively a failed open(), but through Emscripten's NODEFS each one is a JavaScript path
// walk and an lstat that throws a Node error (27,756 of them for 200,000 STIX objects, ~3.6 s of PGlite's thread at
// 1,000,000; bench/RESULTS.md, pglite16 helper, sixteenth session). So the names found missing are remembered per
// folder until a file of that name is made there: NODEFS makes files only through its mknod, rename and symlink, and
// nothing else writes a PGlite folder while PGlite holds it (pglite.folder.ts). (Emscripten keeps the nodes it made
// in its name table and finds them there without a look-up; forgetting on those three keeps the memory right anyway.)

interface FsNode {
  readonly id: number;
}
type Op = (this: unknown, ...args: unknown[]) => unknown;
interface NodeOps {
  lookup: (this: unknown, parent: FsNode, name: string) => FsNode;
  mknod: Op;
  rename: Op;
  symlink: Op;
}
interface Emscripten {
  readonly NODEFS?: { readonly node_ops?: NodeOps };
  readonly FS?: { readonly ErrnoError: new (errno: number) => Error };
}

/** Emscripten's ENOENT (its own numbering, not Linux's). */
const ENOENT = 44;
const patched = new WeakSet<NodeOps>();

/**
 * Makes failed look-ups of free-space-map files cheap on a PGlite folder (NODEFS): the second and later ones answer
 * from memory. Another file system (memory, IndexedDB) or an unknown PGlite build is left as it is.
 * @example rememberMissingFsm(await PGlite.create({ dataDir }))
 */
export function rememberMissingFsm(pglite: PGlite): void {
  const mod = (pglite as unknown as { Module?: Emscripten }).Module;
  const ops = mod?.NODEFS?.node_ops;
  const ErrnoError = mod?.FS?.ErrnoError;
  if (!ops || !ErrnoError || patched.has(ops) || typeof ops.lookup !== 'function' || typeof ops.mknod !== 'function' || typeof ops.rename !== 'function' || typeof ops.symlink !== 'function') return;
  patched.add(ops);
  // One NODEFS per thread (Emscripten's module state): the folders' node ids are unique in it.
  const missing = new Map<number, Set<string>>();
  const forget = (dir: FsNode, name: string): void => void missing.get(dir.id)?.delete(name);
  const { lookup, mknod, rename, symlink } = ops;
  ops.lookup = function (parent, name) {
    if (!name.endsWith('_fsm')) return lookup.call(this, parent, name);
    if (missing.get(parent.id)?.has(name)) throw new ErrnoError(ENOENT);
    try {
      return lookup.call(this, parent, name);
    } catch (err) {
      if ((err as { errno?: unknown }).errno === ENOENT) {
        const names = missing.get(parent.id) ?? new Set<string>();
        missing.set(parent.id, names.add(name));
      }
      throw err;
    }
  };
  // mknod(parent, name, mode, dev), symlink(parent, name, target), rename(node, newDir, newName)
  ops.mknod = function (...args) {
    forget(args[0] as FsNode, args[1] as string);
    return mknod.apply(this, args);
  };
  ops.symlink = function (...args) {
    forget(args[0] as FsNode, args[1] as string);
    return symlink.apply(this, args);
  };
  ops.rename = function (...args) {
    forget(args[1] as FsNode, args[2] as string);
    return rename.apply(this, args);
  };
}
