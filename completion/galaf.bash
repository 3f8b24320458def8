# bash completion for galaf, galaf-config, galaf-stats and galaf-tcpdump.
# Installed as completions/galaf, with the other three names linked to it.
# The functions read COMP_WORDS and COMP_CWORD only, so they work with or
# without the bash-completion package.
# shellcheck shell=bash

# The apps the caller may start: the first column of 'galaf --list'.
_galaf_apps() {
	local name _
	command -v galaf >/dev/null 2>&1 || return 0
	while IFS=$'\t' read -r name _; do
		[[ -n $name ]] && printf '%s\n' "$name"
	done < <(galaf --list 2>/dev/null)
}

# _galaf_reply WORDS...: COMPREPLY = the words that start with $cur.
_galaf_reply() {
	local w
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# File names (directories too, to walk into them).
_galaf_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_galaf_dirs() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}

_galaf() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			_galaf_reply --list --help --version
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_galaf_apps)" -- "$cur")
		fi
		return 0
	fi
	# The app's own arguments.
	_galaf_files
}

_galaf_config() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd=${COMP_WORDS[1]-} opts=()
	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		_galaf_reply check render apply rollback status groups cgroups suggest pin \
			marker desktop --help --version
		return 0
	fi
	case $cmd in
	check) opts=(--help) ;;
	render) opts=(--nft --dnsmasq --gate --help) ;;
	apply) opts=(--dry-run --full --print --help) ;;
	rollback) opts=(--last-good --help) ;;
	status)
		[[ $prev == --resolv-conf || $prev == --gatekeeper ]] && _galaf_files && return 0
		opts=(--json --verify --resolv-conf --gatekeeper --help)
		;;
	desktop)
		case $prev in
		--applications | --services | --bin) _galaf_dirs && return 0 ;;
		--search) return 0 ;;
		--galaf) _galaf_files && return 0 ;;
		esac
		opts=(--install --remove --applications --services --bin --search --galaf --help)
		;;
	groups) opts=(--create --help) ;;
	cgroups) opts=(--sync --help) ;;
	pin)
		opts=(--write --help)
		# pin APP [POLICY]: the first word after the options is a group.
		if [[ $cur != -* ]] && ! _galaf_has_word_after_options; then
			mapfile -t COMPREPLY < <(compgen -W "$(_galaf_apps)" -- "$cur")
			return 0
		fi
		;;
	suggest) opts=(--log --table --help) ;;
	marker)
		if ((COMP_CWORD == 2)); then
			_galaf_reply load unload status --help
			return 0
		fi
		case $prev in
		--cgroup | --pin-dir) _galaf_dirs && return 0 ;;
		--object) _galaf_files && return 0 ;;
		--mask) return 0 ;;
		esac
		opts=(--cgroup --object --mask --pin-dir --verbose --help --version)
		[[ ${COMP_WORDS[2]} == unload ]] && opts+=(--all)
		_galaf_reply "${opts[@]}"
		return 0
		;;
	*) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		_galaf_reply "${opts[@]}"
	elif [[ $cmd == suggest ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_galaf_apps)" -- "$cur")
		_galaf_files_add
	else
		_galaf_files
	fi
	return 0
}

# Whether a word that is no option comes between the subcommand and $cur.
_galaf_has_word_after_options() {
	local i
	for ((i = 2; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} != -* ]] && return 0
	done
	return 1
}

# Appends file names to COMPREPLY (suggest takes a POLICY or an APP).
_galaf_files_add() {
	local apps=("${COMPREPLY[@]}")
	_galaf_files
	COMPREPLY=("${apps[@]}" "${COMPREPLY[@]}")
}

_galaf_stats() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	case $prev in
	--policy | --input | --output) _galaf_files && return 0 ;;
	--tried) mapfile -t COMPREPLY < <(compgen -W "$(_galaf_apps)" -- "$cur") && return 0 ;;
	--watch | --count | --table) return 0 ;;
	esac
	_galaf_reply --json --prometheus --watch --count --tried --policy --table \
		--box --plain --si --exact --input --output --help --version
}

_galaf_tcpdump() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} i
	COMPREPLY=()
	[[ $prev == --policy ]] && _galaf_files && return 0
	# After APP|USER|0xMARK come tcpdump's own arguments (-w FILE and the like).
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--policy) ((i++)) ;;
		-*) ;;
		*) _galaf_files && return 0 ;;
		esac
	done
	if [[ $cur == -* ]]; then
		_galaf_reply --policy --help --version
	else
		mapfile -t COMPREPLY < <(compgen -W "$(_galaf_apps)" -- "$cur")
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -u -- "$cur")
	fi
	return 0
}

complete -F _galaf galaf
complete -F _galaf_config galaf-config
complete -F _galaf_stats galaf-stats
complete -F _galaf_tcpdump galaf-tcpdump
