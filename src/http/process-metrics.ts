// svinit's own process metrics under the names every Prometheus client library uses
// (process_cpu_seconds_total, process_resident_memory_bytes, ...): read at each scrape, from Node
// and from /proc/self (the kernel's, no disk), never kept up to date in between.
import { performance } from 'node:perf_hooks';
import { getNofile } from '../native/native.js';
import { openFdCount } from '../process/nofile.js';

/** [name, value] of each process metric that can be read here (open fds need /proc). */
export function processSamples(): Array<[string, number]> {
  const cpu = process.cpuUsage();
  const out: Array<[string, number]> = [
    ['process_cpu_seconds_total', (cpu.user + cpu.system) / 1e6],
    ['process_resident_memory_bytes', process.memoryUsage.rss()],
  ];
  const fds = openFdCount();
  if (fds !== null) out.push(['process_open_fds', fds]);
  try {
    out.push(['process_max_fds', getNofile().soft]);
  } catch {
    // getrlimit does not fail on Linux; without it the metric is simply absent.
  }
  // Node's time origin: when this process started (behind the C front, the Node process itself).
  out.push(['process_start_time_seconds', Math.round(performance.timeOrigin) / 1000]);
  return out;
}
