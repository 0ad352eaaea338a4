#compdef hostlink
# zsh completion for hostlink.  Save as _hostlink in a folder of $fpath
# (hostlink completion zsh > ~/.zfunc/_hostlink), or: source <(hostlink completion zsh)

_hostlink_qga() {
  local -a commands
  commands=(
    'ping:check that the guest agent answers'
    'info:agent version and supported commands'
    'osinfo:guest operating system'
    'hostname:guest host name'
    'time:guest clock'
    'timezone:guest time zone'
    'users:users logged in'
    'network:network interfaces and addresses'
    'routes:routing table'
    'vcpus:virtual CPUs'
    'disks:block devices'
    'fsinfo:mounted file systems'
    'cpustats:per-CPU times'
    'diskstats:per-disk I/O counters'
    'load:load averages'
    'exec:run a program in the guest'
    'cat:print a guest file'
    'get:copy a file from the guest'
    'put:copy a file into the guest'
    'set-password:set a guest user password'
    'ssh-keys:manage authorized_keys'
    'fsfreeze:freeze or thaw file systems'
    'shutdown:shut the guest down'
    'raw:send a request as given'
  )
  _arguments -C \
    '(--tcp --device)--socket[agent Unix socket]:socket:_files' \
    '(--socket --device)--tcp[agent TCP address]:host\:port:' \
    '(--socket --tcp)--device[agent character device]:device:_files' \
    '--timeout[seconds to wait for each reply]:seconds:' \
    '--retries[connect retries while the agent is not up]:count:' \
    '--config[configuration file]:file:_files' \
    '--json[print JSON]' \
    '1:command:->command' \
    '*::argument:->argument'
  case $state in
    command) _describe -t commands 'qga command' commands ;;
    argument)
      case $words[1] in
        exec) _arguments '--input[stdin for the program]:file:_files' '*--env[NAME=VALUE]:env:' '--max-time[seconds]:seconds:' '*::command:_normal' ;;
        get) _arguments '--chunk-size[bytes per call]:size:' '--no-verify[skip the SHA-256 check]' '1:remote file:' '2:local file:_files' ;;
        put) _arguments '--chunk-size[bytes per call]:size:' '--append[append]' '--no-verify[skip the SHA-256 check]' '1:local file:_files' '2:remote file:' ;;
        cat) _arguments '--chunk-size[bytes per call]:size:' '1:remote file:' ;;
        set-password) _arguments '--crypted[already crypt(3)-hashed]' '1:user:' ;;
        ssh-keys) _arguments '1:action:(get add remove)' '2:user:' '*:key:' ;;
        fsfreeze) _arguments '1:action:(status freeze thaw)' '*--mountpoint[mount point]:path:' ;;
        shutdown) _arguments '--mode[how]:mode:(powerdown halt reboot)' ;;
        raw) _arguments '1:request JSON:' ;;
      esac ;;
  esac
}

_hostlink() {
  local -a top
  top=('agent:run the hostlink agent' 'qga:talk to a QEMU guest agent' 'completion:print a shell completion script')
  _arguments -C '(- *)--help[show help]' '(- *)--version[show the version]' '1:command:->command' '*::argument:->argument'
  case $state in
    command) _describe -t commands 'hostlink command' top ;;
    argument)
      case $words[1] in
        qga) _hostlink_qga ;;
        completion) _arguments '1:shell:(bash zsh)' ;;
      esac ;;
  esac
}

_hostlink "$@"
