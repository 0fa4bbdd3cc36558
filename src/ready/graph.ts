// The dependency graph of the services (s6-rc's dependencies.d/), pure: which services can never
// start (a cycle, a missing dependency, or something they need that cannot start), and the tiers
// of the ordered shutdown (those nothing depends on first, their dependencies after them).

/** One service and the names of the services it needs. */
export interface GraphNode {
  readonly name: string;
  readonly deps: readonly string[];
}

/** A problem of the graph: the services it keeps down, and one line that names them. */
export interface GraphProblem {
  readonly kind: 'cycle' | 'missing';
  readonly services: readonly string[];
  readonly message: string;
}

export interface GraphAnalysis {
  /** Every service that can never start, with the reason `svinit status` shows. */
  readonly blocked: ReadonlyMap<string, string>;
  /** One entry per cycle and per missing dependency. */
  readonly problems: readonly GraphProblem[];
}

/** The strongly connected components of size > 1, and self-loops (Tarjan's algorithm, iterative). */
function cycles(nodes: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of nodes.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as { v: string; i: number };
      const deps = (nodes.get(top.v) ?? []).filter((d) => nodes.has(d));
      if (top.i < deps.length) {
        const w = deps[top.i++] as string;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v) ?? 0, index.get(w) ?? 0));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.v, Math.min(low.get(parent.v) ?? 0, low.get(top.v) ?? 0));
      if (low.get(top.v) !== index.get(top.v)) continue;
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== top.v);
      if (scc.length > 1 || (nodes.get(top.v) ?? []).includes(top.v)) out.push(scc.sort());
    }
  }
  return out;
}

/** "a -> b -> a": one path around the cycle, from its first name. */
function cyclePath(scc: readonly string[], nodes: ReadonlyMap<string, readonly string[]>): string {
  const members = new Set(scc);
  const start = scc[0] as string;
  const path = [start];
  const seen = new Set([start]);
  let at = start;
  for (;;) {
    const deps = (nodes.get(at) ?? []).filter((d) => members.has(d));
    const back = deps.find((d) => d === start);
    const fresh = deps.find((d) => !seen.has(d));
    if (back !== undefined && (fresh === undefined || path.length === scc.length)) return [...path, start].join(' -> ');
    if (fresh === undefined) return [...path, deps[0] ?? start].join(' -> ');
    path.push(fresh);
    seen.add(fresh);
    at = fresh;
  }
}

/** Which services can never start, and why; `where` names the service directory in the lines. */
export function analyse(list: readonly GraphNode[], where: string): GraphAnalysis {
  const nodes = new Map(list.map((n) => [n.name, n.deps] as const));
  const blocked = new Map<string, string>();
  const problems: GraphProblem[] = [];
  for (const scc of cycles(nodes)) {
    const path = cyclePath(scc, nodes);
    for (const name of scc) blocked.set(name, `dependency cycle: ${path}`);
    problems.push({
      kind: 'cycle', services: scc,
      message: `unable to start ${scc.join(', ')}: dependency cycle ${path}; they stay down (remove one of those dependencies.d/ entries)`,
    });
  }
  for (const n of list) {
    const missing = n.deps.filter((d) => !nodes.has(d));
    if (missing.length === 0) continue;
    if (!blocked.has(n.name)) blocked.set(n.name, `missing dependency: ${missing.join(', ')}`);
    problems.push({
      kind: 'missing', services: [n.name, ...missing],
      message: `unable to start ${n.name}: it needs ${missing.join(', ')}, not a service in ${where}; it stays down (add the service, or remove ${missing.map((m) => `${n.name}/dependencies.d/${m}`).join(' and ')})`,
    });
  }
  // What needs a blocked service can never start either (a fixpoint: the graph is small).
  for (let changed = true; changed;) {
    changed = false;
    for (const n of list) {
      if (blocked.has(n.name)) continue;
      const dep = n.deps.find((d) => blocked.has(d));
      if (dep === undefined) continue;
      blocked.set(n.name, `needs ${dep}, which cannot start (${blocked.get(dep) ?? ''})`);
      changed = true;
    }
  }
  return { blocked, problems };
}

/**
 * The tiers of the ordered shutdown: tier 0 is every service nothing depends on, each later tier
 * the services whose dependents are all in earlier tiers (edges inside a cycle are ignored: those
 * services never started). Names in each tier keep the order of `list`.
 */
export function stopTiers(list: readonly GraphNode[]): string[][] {
  const names = new Set(list.map((n) => n.name));
  const dependents = new Map<string, string[]>();
  for (const n of list) {
    for (const d of new Set(n.deps)) if (names.has(d) && d !== n.name) dependents.set(d, [...(dependents.get(d) ?? []), n.name]);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const level = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // a cycle: its edges do not order anything
    visiting.add(name);
    let d = 0;
    for (const up of dependents.get(name) ?? []) d = Math.max(d, level(up) + 1);
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  const tiers: string[][] = [];
  for (const n of list) {
    const d = level(n.name);
    while (tiers.length <= d) tiers.push([]);
    (tiers[d] as string[]).push(n.name);
  }
  return tiers.filter((t) => t.length > 0);
}
