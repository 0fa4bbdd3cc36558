// The services a `status` or `check` command looks at: the ones named on the command line
// (resolved like sv's names), or every service in the service directory.
import { resolve } from 'node:path';
import { errorText } from '../protocol/error-text.js';
import { serviceDirectory } from '../protocol/sv-command.js';
import { listServices } from '../service/list-services.js';
import type { ServiceInfo } from '../protocol/status-model.js';
import { inspectWithLog } from './inspect.js';
import { chdirError } from './service-dir.js';

/** The services found, or why the service directory could not be listed. */
export type ServiceListResult = { kind: 'ok'; services: ServiceInfo[] } | { kind: 'error'; message: string };

/** Inspects `names` (or all of `root` when none are given), each followed by its log service. */
export function collectServices(names: readonly string[], root: string, cwd: string): ServiceListResult {
  let list: readonly string[] = names;
  if (list.length === 0) {
    try {
      list = listServices(resolve(cwd, root)).map((s) => s.name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      return { kind: 'error', message: `unable to list service directory ${root}: ${errorText(code)}` };
    }
  }
  const services: ServiceInfo[] = [];
  for (const name of list) {
    const dir = serviceDirectory(name, root, cwd);
    const missing = chdirError(dir);
    services.push(...inspectWithLog(name, dir ?? '', missing));
  }
  return { kind: 'ok', services };
}
