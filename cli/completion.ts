import { parseCommandArgs } from './args';
import { CliIo, Command, EXIT, UsageError } from './io';

/** What the shell completes after `lifeboat <command>`: its subcommands and options, read from its usage. */
export interface CompletionEntry {
  subcommands: string[];
  options: string[];
}

/** Options every command takes (parseCommandArgs, and --profile taken off by main). */
export const GLOBAL_OPTIONS = ['--help', '--json', '--profile'];

/**
 * Each command's completions, derived from its usage text so they cannot drift from it: words right after
 * `lifeboat <command>` are subcommands (`push`, `pause|resume`), every `--option` is an option.
 */
export function completionTable(commands: Readonly<Record<string, Command>>): Record<string, CompletionEntry> {
  return Object.fromEntries(
    Object.entries(commands).map(([name, c]) => {
      const subcommands = [...c.usage.matchAll(new RegExp(`lifeboat ${name} ([a-z][a-z|-]*)`, 'g'))].flatMap((m) => (m[1] ?? '').split('|'));
      const options = [...c.usage.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
      return [name, { subcommands: [...new Set(subcommands)], options: [...new Set([...options, ...GLOBAL_OPTIONS])].sort() }];
    }),
  );
}

const words = (list: string[]) => list.join(' ');

function bash(table: Record<string, CompletionEntry>): string {
  const cases = Object.entries(table).map(([name, e]) => `    ${name}) subs="${words(e.subcommands)}"; opts="${words(e.options)}" ;;`);
  return `# bash completion for lifeboat; load it with: source <(lifeboat completion bash)
_lifeboat() {
  local cur=\${COMP_WORDS[COMP_CWORD]} subs="" opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words(Object.keys(table))} --version --help --profile" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  if [[ $COMP_CWORD -eq 2 && -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _lifeboat lifeboat
`;
}

function zsh(table: Record<string, CompletionEntry>): string {
  const cases = Object.entries(table).map(([name, e]) => `    ${name}) subs=(${words(e.subcommands)}); opts=(${words(e.options)}) ;;`);
  return `#compdef lifeboat
# zsh completion for lifeboat; load it with: source <(lifeboat completion zsh), after compinit
_lifeboat() {
  local -a subs opts
  if (( CURRENT == 2 )); then
    compadd -- ${words(Object.keys(table))} --version --help --profile
    return
  fi
  case \${words[2]} in
${cases.join('\n')}
  esac
  if (( CURRENT == 3 && \${#subs} > 0 )); then
    compadd -a subs
  elif [[ \${words[CURRENT]} == -* ]]; then
    compadd -a opts
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _lifeboat lifeboat; fi
`;
}

const SHELLS: Record<string, (table: Record<string, CompletionEntry>) => string> = { bash, zsh };
const usage = 'lifeboat completion bash|zsh [--json]';

/** `lifeboat completion bash|zsh`: a completion script for every command `commands()` answers. */
export function completionCommand(commands: () => Readonly<Record<string, Command>>): Command {
  return {
    summary: 'print a bash or zsh completion script (source <(lifeboat completion bash))',
    usage,
    async run(args: string[], io: CliIo): Promise<number> {
      const { positionals, values } = parseCommandArgs(args, {});
      const [shell, ...extra] = positionals;
      const table = completionTable(commands());
      if (values.json && shell === undefined) {
        io.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
        return EXIT.ok;
      }
      const script = shell !== undefined && Object.prototype.hasOwnProperty.call(SHELLS, shell) ? SHELLS[shell] : undefined;
      if (!script || extra.length > 0) throw new UsageError(`name the shell: bash or zsh${shell === undefined ? '' : `, not '${shell}'`}`);
      io.stdout.write(values.json ? `${JSON.stringify({ shell, script: script(table) })}\n` : script(table));
      return EXIT.ok;
    },
  };
}
