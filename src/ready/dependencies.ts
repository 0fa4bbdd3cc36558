// The services' dependencies at run time: a service with dependencies.d/ is held until every
// service it needs is ready; a cycle or a missing dependency keeps only the services involved
// (and what needs them) down, with one line each and the reason in `svinit status`. Evaluated
// after each scan and each change of readiness, never on a timer.
import type { Logger } from '../log/logger.js';
import type { Service } from '../supervise/service.js';
import { analyse, stopTiers, type GraphNode } from './graph.js';

export class DependencyGate {
  private readonly deps = new Map<Service, readonly string[]>();
  private readonly logged = new Set<string>();
  private scheduled = false;
  private blocked: ReadonlyMap<string, string> = new Map();
  /** The graph changed (a service came or went) since it was last analysed. */
  private dirty = true;

  constructor(private readonly log: Logger, private readonly where: string) {}

  /** A new service and the names it needs (its ./run is held when there are any). */
  add(service: Service, needs: readonly string[]): void {
    this.deps.set(service, needs);
    this.dirty = true;
    this.schedule();
  }

  remove(service: Service): void {
    this.deps.delete(service);
    this.dirty = true;
    this.schedule();
  }

  /** Evaluates on the next turn, once for any number of changes in this one (a whole scan). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.evaluate();
    });
  }

  /** Services that can never start, by name, with the reason. */
  get blockedNames(): ReadonlyMap<string, string> {
    return this.blocked;
  }

  private nodes(): GraphNode[] {
    return [...this.deps].map(([s, deps]) => ({ name: s.name, deps }));
  }

  /** Analyses the graph again when it changed: cycles and missing dependencies, one line each. */
  private reanalyse(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { blocked, problems } = analyse(this.nodes(), this.where);
    this.blocked = blocked;
    for (const p of problems) {
      if (this.logged.has(p.message)) continue;
      this.logged.add(p.message);
      this.log.warning(p.message);
    }
  }

  /**
   * Releases every held service whose dependencies are all ready; says why the others wait. A
   * change of readiness costs a look at the held services only (the graph is analysed when it changes).
   */
  evaluate(): void {
    this.reanalyse();
    const blocked = this.blocked;
    const byName = new Map<string, Service>();
    for (const s of this.deps.keys()) byName.set(s.name, s);
    for (const [service, needs] of this.deps) {
      if (!service.main.waiting) continue;
      const why = blocked.get(service.name);
      if (why !== undefined) {
        service.main.holdReason(why);
        continue;
      }
      const waiting = needs.filter((n) => byName.get(n)?.ready !== true);
      if (waiting.length === 0) {
        this.log.debug(`${service.name}: every dependency is ready (${needs.join(', ')}); starting it`);
        service.main.release();
      } else service.main.holdReason(`waiting for ${waiting.join(', ')} to be ready`);
    }
  }

  /** The services in the order of the shutdown: tier by tier, those nothing depends on first. */
  tiers(services: readonly Service[]): Service[][] {
    const byName = new Map(services.map((s) => [s.name, s] as const));
    const nodes = services.map((s) => ({ name: s.name, deps: this.deps.get(s) ?? [] }));
    return stopTiers(nodes).map((t) => t.map((n) => byName.get(n) as Service));
  }
}
