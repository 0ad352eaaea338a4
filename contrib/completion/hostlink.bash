# bash completion for hostlink.  Load with: eval "$(hostlink completion bash)"
# or copy to /usr/share/bash-completion/completions/hostlink

_hostlink() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
        prev="${COMP_WORDS[COMP_CWORD-1]}"
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local top="agent qga completion help"
    local qga_cmds="ping info osinfo hostname time timezone users network routes vcpus disks fsinfo cpustats diskstats load exec cat get put set-password ssh-keys fsfreeze shutdown raw"
    local qga_opts="--socket --tcp --device --timeout --retries --config --json --help"

    case "$prev" in
        --socket|--device|--config|--input)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --tcp|--timeout|--retries|--env|--max-time|--chunk-size|--mountpoint)
            return ;;
        --mode)
            COMPREPLY=($(compgen -W "powerdown halt reboot" -- "$cur")); return ;;
    esac

    # Find the sub-command words, skipping options and their values.
    local i sub="" qsub="" qarg=0
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            --socket|--tcp|--device|--timeout|--retries|--config|--input|--env|--max-time|--chunk-size|--mountpoint|--mode) ((i++)) ;;
            -*) ;;
            *)
                if [[ -z $sub ]]; then sub=${words[i]}
                elif [[ $sub == qga && -z $qsub ]]; then qsub=${words[i]}
                else ((qarg++)); fi ;;
        esac
    done

    if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "$top --help --version" -- "$cur")); return
    fi
    case "$sub" in
        completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
        qga) ;;
        *) return ;;
    esac
    if [[ -z $qsub ]]; then
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$qga_opts" -- "$cur"))
        else COMPREPLY=($(compgen -W "$qga_cmds" -- "$cur")); fi
        return
    fi
    case "$qsub" in
        exec)
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--input --env --max-time --" -- "$cur")) || COMPREPLY=($(compgen -c -- "$cur")) ;;
        get)
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--chunk-size --no-verify" -- "$cur"))
            ((qarg == 1)) && COMPREPLY=($(compgen -f -- "$cur")) ;;
        put)
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--chunk-size --append --no-verify" -- "$cur"))
            ((qarg == 0)) && COMPREPLY=($(compgen -f -- "$cur")) ;;
        set-password) COMPREPLY=($(compgen -W "--crypted" -- "$cur")) ;;
        ssh-keys) ((qarg == 0)) && COMPREPLY=($(compgen -W "get add remove" -- "$cur")) ;;
        fsfreeze) ((qarg == 0)) && COMPREPLY=($(compgen -W "status freeze thaw --mountpoint" -- "$cur")) ;;
        shutdown) COMPREPLY=($(compgen -W "--mode" -- "$cur")) ;;
        cat) COMPREPLY=($(compgen -W "--chunk-size" -- "$cur")) ;;
    esac
}
complete -F _hostlink hostlink
