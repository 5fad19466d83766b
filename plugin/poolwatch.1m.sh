#!/bin/sh
# <xbar.title>poolwatch</xbar.title>
# <xbar.version>v0.1.0</xbar.version>
# <xbar.author>poolwatch contributors</xbar.author>
# <xbar.desc>CLIProxyAPI ChatGPT/Codex pool: 5h and weekly quota left, broken accounts, and when capacity comes back.</xbar.desc>
# <xbar.dependencies>poolwatch (Rust binary: cargo install --path . in the poolwatch repo)</xbar.dependencies>
# <xbar.var>string(VAR_PROFILE=""): poolwatch profile to show (empty: the default profile).</xbar.var>
# <xbar.var>string(VAR_POOLWATCH_BIN=""): Path of the poolwatch binary (empty: search the usual places).</xbar.var>
# <xbar.var>boolean(VAR_ALL_PROFILES=false): Show every profile of the settings file in one menu.</xbar.var>
# <swiftbar.hideRunInTerminal>true</swiftbar.hideRunInTerminal>
# <swiftbar.hideAbout>true</swiftbar.hideAbout>
# <swiftbar.hideLastUpdated>true</swiftbar.hideLastUpdated>
#
# This wrapper only finds the poolwatch binary and execs `poolwatch plugin`
# (POSIX sh, builtins only: no subshell and no fork before the exec; with the
# path `install-plugin` writes below, the first test already execs).
# poolwatch caches, locks and bounds its own run time; it always exits 0.

# `poolwatch install-plugin` writes the binary it was run from here.
POOLWATCH_BIN_DEFAULT=""

if [ "${VAR_ALL_PROFILES:-false}" = "true" ]; then
  export POOLWATCH_ALL_PROFILES=1
fi

# Exec `$1 plugin` when $1 is an executable file (a function: no subshell).
run_if_found() {
  if [ -n "$1" ] && [ -x "$1" ] && [ ! -d "$1" ]; then
    if [ -n "${VAR_PROFILE:-}" ]; then
      exec "$1" plugin --profile "$VAR_PROFILE"
    fi
    exec "$1" plugin
  fi
}

run_if_found "${VAR_POOLWATCH_BIN:-}"
run_if_found "$POOLWATCH_BIN_DEFAULT"
# The PATH, split by hand (`command -v` in $(...) would fork a subshell).
set -f
old_ifs=$IFS
IFS=:
for dir in $PATH; do
  IFS=$old_ifs
  run_if_found "${dir:-.}/poolwatch"
done
IFS=$old_ifs
set +f
for bin in "$HOME/.cargo/bin/poolwatch" /opt/homebrew/bin/poolwatch /usr/local/bin/poolwatch; do
  run_if_found "$bin"
done

echo "⚠︎ poolwatch"
echo "---"
echo "poolwatch binary not found"
echo "Install it: cargo install --path <poolwatch repo> | color=gray"
echo "Or set VAR_POOLWATCH_BIN to its path | color=gray"
exit 0
