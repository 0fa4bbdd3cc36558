// A unit as the status model sees it, from svinit's memory rather than its files: what GET /status
// and GET /metrics serve (--http). The row built from it is the one `svinit status --json` builds
// from the files this unit writes; the files may lag it by one turn of the event loop, and are no
// longer written while the container stops, when this view still follows every unit down.
import { toSuperviseStatus } from '../protocol/status-file.js';
import type { ServiceInfo } from '../protocol/status-model.js';
import { extraInfo } from './extra-file.js';
import { snapshot } from './fsm-actions.js';
import { superviseRecord, type Unit } from './unit.js';

/**
 * `unit` under `name` in `dir` (the service entry as the service directory lists it, as `svinit
 * status` names it); `held` is false once its supervise/ is closed (ended by `sv exit`), when the
 * files say that no supervisor runs.
 */
export function unitInfo(name: string, dir: string, unit: Unit, held: boolean): ServiceInfo {
  const status = toSuperviseStatus(superviseRecord(snapshot(unit.state)));
  const probe = held
    ? { kind: 'ok' as const, status }
    : { kind: 'not-running' as const, file: 'ok' as const, code: 'ENXIO', errno: 6, syscall: 'open' };
  return { name, dir, probe, status: held ? status : null, normallyUp: !unit.downFile, extras: extraInfo(unit) };
}
