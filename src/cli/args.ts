// The command line of `svinit status` and `svinit check`: Node's util.parseArgs (strict; options
// anywhere, before or after the service names; `--` ends them), with its errors turned into the
// one line svinit prints for a usage error. `svinit sv` keeps runit's getopt parser (src/cli/sv-args.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export type CliParse<O extends Options> =
  | { readonly ok: true; readonly values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']; readonly names: string[] }
  | { readonly ok: false; readonly message: string };

/** Parses `argv` against `options`; a usage error is one line naming the option and the fix. */
export function parseCli<O extends Options>(argv: readonly string[], options: O): CliParse<O> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    for (const [name, spec] of Object.entries(options)) {
      const v = (values as Record<string, unknown>)[name];
      if (spec.type === 'string' && v === '') return { ok: false, message: `unable to use --${name}: it needs a value` };
    }
    return { ok: true, values, names: positionals };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const opt = /'(-[^' ]*)/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && e.message.includes('does not take an argument')) {
      return { ok: false, message: `unable to use ${opt}: it takes no value` };
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return { ok: false, message: `unable to use ${opt.split(' ')[0] ?? opt}: it needs a value` };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { ok: false, message: `unable to use "${opt}": unknown option` };
    return { ok: false, message: e.message.split('\n')[0] ?? 'unable to parse the arguments' };
  }
}
