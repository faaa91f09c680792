// `red-exec completion bash|zsh`: a completion script made from the option table in args.js, so
// a new flag completes as soon as it has its row there.
//   bash: source <(red-exec completion bash)          (or save it in ~/.local/share/bash-completion/completions/red-exec)
//   zsh:  source <(red-exec completion zsh)           (or save it as _red-exec in a directory of $fpath)

import { OPTIONS } from './args.js';

export const SHELLS = ['bash', 'zsh'];

/** Is this argv the completion command (rather than a task named "completion")? */
export function isCompletionCommand(argv) {
  return argv[0] === 'completion' && argv.length <= 2 && !argv.some((a) => a.startsWith('-'));
}

const flagsOf = (o) => [...(o.short ?? []), `--${o.name}`];

function bashScript() {
  const words = OPTIONS.flatMap(flagsOf).join(' ');
  const cases = [];
  const files = OPTIONS.filter((o) => o.complete === 'file').map((o) => `--${o.name}`);
  const dirs = OPTIONS.filter((o) => o.complete === 'dir').map((o) => `--${o.name}`);
  for (const o of OPTIONS.filter((x) => Array.isArray(x.complete))) {
    cases.push(`    --${o.name}) COMPREPLY=($(compgen -W "${o.complete.join(' ')}" -- "$cur")); return 0 ;;`);
  }
  if (dirs.length) cases.push(`    ${dirs.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;`);
  if (files.length) cases.push(`    ${files.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`);
  // A value flag's value is free text (a model name, a URL, a number): offer nothing.
  const free = OPTIONS.filter((o) => o.kind === 'value' && !o.complete).map((o) => `--${o.name}`);
  if (free.length) cases.push(`    ${free.join('|')}) COMPREPLY=(); return 0 ;;`);
  return `# bash completion for red-exec (red-exec completion bash)
_red_exec() {
  local cur prev
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ] && [ "\${cur#-}" = "$cur" ]; then
    COMPREPLY=($(compgen -W "completion" -- "$cur") $(compgen -f -- "$cur"))
    return 0
  fi
  if [ "\${COMP_WORDS[1]}" = "completion" ]; then
    COMPREPLY=($(compgen -W "${SHELLS.join(' ')}" -- "$cur"))
    return 0
  fi
  case "$prev" in
${cases.join('\n')}
  esac
  if [ "\${cur#-}" != "$cur" ]; then
    COMPREPLY=($(compgen -W "${words}" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _red_exec red-exec
`;
}

/** Text safe inside a zsh _arguments spec: no brackets, colons, quotes or backslashes. */
function zshText(s) {
  return s.replace(/\s*\n\s*/g, ' ').replace(/[[\]:'"\\`$]/g, '').trim();
}

function zshScript() {
  const specs = OPTIONS.map((o) => {
    const flags = flagsOf(o);
    const names = flags.length > 1 ? `{${flags.join(',')}}` : flags[0];
    const exclusive = flags.length > 1 ? `'(${flags.join(' ')})'` : '';
    const repeat = o.kind === 'list' ? `'*'` : '';
    const action = Array.isArray(o.complete)
      ? `(${o.complete.join(' ')})`
      : o.complete === 'dir'
        ? '_directories'
        : o.complete === 'file'
          ? '_files'
          : ' ';
    const value = o.kind === 'bool' ? '' : o.kind === 'files' ? ':*-*:file:_files' : `:${zshText(o.value).replace(/[<>]/g, '')}:${action}`;
    const optional = o.kind === 'optional' ? `::run id: ` : value;
    return `    ${exclusive}${repeat}${names}'[${zshText(o.help)}]${o.kind === 'optional' ? optional : value}'`;
  });
  return `#compdef red-exec
# zsh completion for red-exec (red-exec completion zsh)
_red-exec() {
  if (( CURRENT == 2 )) && [[ $words[2] != -* ]]; then
    _alternative 'commands:command:(completion)' 'files:task or file:_files'
    return
  fi
  if [[ $words[2] == completion ]]; then
    _values shell ${SHELLS.join(' ')}
    return
  fi
  _arguments -s \\
${specs.join(' \\\n')} \\
    '*:file:_files'
}
if [[ $funcstack[1] == _red-exec ]]; then
  _red-exec "$@"
else
  compdef _red-exec red-exec
fi
`;
}

/** The script for `shell`, or null for a shell we do not know. */
export function completionScript(shell) {
  if (shell === 'bash') return bashScript();
  if (shell === 'zsh') return zshScript();
  return null;
}
