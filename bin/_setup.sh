# Shared by bin/demo and bin/test: find a Python, make .venv, install the project.
# Sourced, not run. Needs only Python ≥ 3.11 with venv and pip (Django 6 wants ≥ 3.12: the
# newest Python found is used; on 3.11, pip picks Django 5.2 LTS, which passnum also supports).

find_python() {
  local candidate
  for candidate in "${PASSNUM_PYTHON:-}" python3.12 python3.13 \
      $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[23]*/bin/python3 2>/dev/null | sort -V) \
      /usr/bin/python3.12 /usr/bin/python3.13 python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  for candidate in python3.11 python3; do
    if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  echo "passnum needs Python 3.11 or newer (3.12+ for Django 6)" >&2
  return 1
}

apt_get() {  # apt_get ARGS…: apt-get -q -y ARGS, output kept in $APT_LOG; waits for another apt or dpkg
  # holding its lock (up to PASSNUM_APT_LOCK_TIMEOUT seconds, default 300). apt-get install waits by
  # itself (DPkg::Lock::Timeout); apt-get update does not (its lists lock has no timeout): retried here.
  local timeout=${PASSNUM_APT_LOCK_TIMEOUT:-300} start=$SECONDS
  while :; do
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$timeout" -q -y "$@" >"$APT_LOG" 2>&1 && return 0
    grep -q "Could not get lock" "$APT_LOG" && [ $((SECONDS - start)) -lt "$timeout" ] || return 1
    sleep 2
  done
}

ensure_apt() {  # ensure_apt COMMAND PACKAGE: install a Debian package when a command is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $2 (apt)…"
    local APT_LOG status=0
    APT_LOG=$(mktemp)
    apt_get install "$2" || status=$?
    if [ "$status" != 0 ] && ! grep -q "Could not get lock" "$APT_LOG"; then  # package lists missing or old
      status=0
      { apt_get update && apt_get install "$2"; } || status=$?
    fi
    if [ "$status" != 0 ]; then
      if grep -q "Could not get lock" "$APT_LOG"; then
        echo "Could not install $2: another apt or dpkg process held its lock for more than" \
          "${PASSNUM_APT_LOCK_TIMEOUT:-300} s (PASSNUM_APT_LOCK_TIMEOUT). Try again when it has finished." >&2
      else
        echo "Could not install the Debian package $2 (apt-get install -y $2). apt-get said:" >&2
      fi
      { grep '^E:' "$APT_LOG" || tail -n 5 "$APT_LOG"; } | sed 's/^/  /' >&2
    fi
    rm -f "$APT_LOG"
    return "$status"
  else
    echo "Please install the Debian package $2 (command $1 is missing)." >&2
    return 1
  fi
}

setup_venv() {  # setup_venv EXTRAS: create .venv if needed and install the project into it
  local extras="$1" python stamp want
  python=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $("$python" --version)…"
    "$python" -m venv .venv
  fi
  stamp=.venv/.passnum-installed
  want="$(cat pyproject.toml | sha256sum | cut -c1-16)-$extras"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing passnum and its dependencies into .venv…"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
    echo "$want" > "$stamp"
  fi
  ensure_apt msgfmt gettext
  .venv/bin/passnum compilemessages -v0 --ignore=.venv
}
