import { Argument, type Command } from 'commander'
import { examples, run, usageExits, type ClientContext } from '../context.ts'

interface Spec {
  key: string
  description: string
  children: { name: string; description: string }[]
  options: { flag: string; description: string }[]
  choices: { flag: string; values: string[] }[]
}

/** Every command path of the program (`''`, `/bin`, `/bin/ls`, …) with its subcommands, options and option choices. */
function specs(program: Command): Spec[] {
  const out: Spec[] = []
  const walk = (cmd: Command, key: string) => {
    const options = [...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f).map((flag) => ({ flag, description: o.description }))), { flag: '--help', description: 'show help' }]
    const choices = cmd.options.flatMap((o) => (o.argChoices ? [o.long, o.short].filter((f): f is string => !!f).map((flag) => ({ flag, values: o.argChoices! })) : []))
    out.push({ key, description: cmd.description(), children: cmd.commands.map((c) => ({ name: c.name(), description: c.description() })), options, choices })
    for (const c of cmd.commands) walk(c, `${key}/${c.name()}`)
  }
  walk(program, '')
  return out
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export function bashCompletion(program: Command): string {
  const all = specs(program)
  const keys = all.filter((s) => s.key).map((s) => s.key)
  return [
    '# bash completion for trove: eval "$(trove completion bash)", or save it to /etc/bash_completion.d/trove',
    '_trove() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} key="" w i cmds="" opts="" vals=""',
    '  for ((i=1; i<COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    [[ $w == -* ]] && continue',
    `    case "$key/$w" in ${keys.map(q).join('|')}) key="$key/$w";; esac`,
    '  done',
    '  case "$key" in',
    ...all.map((s) => `    ${q(s.key)}) cmds=${q(s.children.map((c) => c.name).join(' '))}; opts=${q(s.options.map((o) => o.flag).join(' '))};;`),
    '  esac',
    '  case "$key $prev" in',
    ...all.flatMap((s) => s.choices.map((c) => `    ${q(`${s.key} ${c.flag}`)}) vals=${q(c.values.join(' '))};;`)),
    '  esac',
    '  if [[ -n $vals ]]; then COMPREPLY=( $(compgen -W "$vals" -- "$cur") )',
    '  elif [[ $cur == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") )',
    '  elif [[ -n $cmds ]]; then COMPREPLY=( $(compgen -W "$cmds" -- "$cur") )',
    '  else COMPREPLY=( $(compgen -f -- "$cur") ); fi',
    '}',
    'complete -o default -F _trove trove',
    '',
  ].join('\n')
}

export function zshCompletion(program: Command): string {
  const all = specs(program)
  const keys = all.filter((s) => s.key).map((s) => s.key)
  const item = (name: string, description: string) => q(`${name.replace(/:/g, '\\:')}:${description.replace(/\n/g, ' ')}`)
  return [
    '#compdef trove',
    '# zsh completion for trove: eval "$(trove completion zsh)" after compinit, or save it as _trove in your $fpath',
    '_trove() {',
    '  local key="" w i',
    '  local -a cmds opts vals',
    '  for ((i=2; i<CURRENT; i++)); do',
    '    w=${words[i]}',
    '    [[ $w == -* ]] && continue',
    `    case "$key/$w" in (${keys.map(q).join('|')}) key="$key/$w";; esac`,
    '  done',
    '  case "$key" in',
    ...all.map((s) => `    (${q(s.key)}) cmds=(${s.children.map((c) => item(c.name, c.description)).join(' ')}); opts=(${s.options.map((o) => item(o.flag, o.description)).join(' ')});;`),
    '  esac',
    '  case "$key ${words[CURRENT-1]}" in',
    ...all.flatMap((s) => s.choices.map((c) => `    (${q(`${s.key} ${c.flag}`)}) vals=(${c.values.map(q).join(' ')});;`)),
    '  esac',
    '  if (( ${#vals} )); then compadd -a vals',
    "  elif [[ ${words[CURRENT]} == -* ]]; then _describe 'option' opts",
    "  elif (( ${#cmds} )); then _describe 'command' cmds",
    '  else _files; fi',
    '}',
    'if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _trove "$@"; else compdef _trove trove; fi',
    '',
  ].join('\n')
}

/** `trove completion bash|zsh`. */
export function registerCompletionCommand(program: Command, ctx: ClientContext): void {
  const cmd = program
    .command('completion')
    .description('Print a shell completion script (commands, subcommands, options and their values)')
    .addArgument(new Argument('<shell>', 'shell').choices(['bash', 'zsh']))
  usageExits(cmd)
  examples(cmd, ['eval "$(trove completion bash)"          # in ~/.bashrc', 'eval "$(trove completion zsh)"           # in ~/.zshrc, after compinit', 'trove completion zsh > "${fpath[1]}/_trove"'])
  cmd.action(
    run(ctx, async (shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program))
    }),
  )
}
