#!/usr/bin/env bash
# <xbar.title>poolwatch</xbar.title>
# <xbar.version>v0.1.0</xbar.version>
# <xbar.author>poolwatch contributors</xbar.author>
# <xbar.author.github>poolwatch</xbar.author.github>
# <xbar.desc>CLIProxyAPI ChatGPT/Codex pool: 5h and weekly quota left, broken accounts, and when capacity comes back.</xbar.desc>
# <xbar.dependencies>poolwatch (Rust binary: cargo install --path . in the poolwatch repo)</xbar.dependencies>
# <xbar.abouturl>https://github.com/router-for-me/CLIProxyAPI</xbar.abouturl>
# <xbar.var>string(VAR_PROFILE=""): poolwatch profile to show (empty: the default profile).</xbar.var>
# <xbar.var>string(VAR_POOLWATCH_BIN=""): Path of the poolwatch binary (empty: search the usual places).</xbar.var>
# <xbar.var>boolean(VAR_ALL_PROFILES=false): Show every profile of the settings file in one menu.</xbar.var>
# <swiftbar.hideRunInTerminal>true</swiftbar.hideRunInTerminal>
# <swiftbar.hideAbout>true</swiftbar.hideAbout>
# <swiftbar.hideLastUpdated>true</swiftbar.hideLastUpdated>
#
# This wrapper only finds the poolwatch binary and runs `poolwatch plugin`.
# poolwatch caches, locks and bounds its own run time; it always exits 0.

# `poolwatch install-plugin` writes the binary it was run from here.
POOLWATCH_BIN_DEFAULT=""

find_poolwatch() {
  local candidate
  for candidate in "${VAR_POOLWATCH_BIN:-}" "$POOLWATCH_BIN_DEFAULT" "$(command -v poolwatch 2>/dev/null)" \
    "$HOME/.cargo/bin/poolwatch" /opt/homebrew/bin/poolwatch /usr/local/bin/poolwatch; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ ! -d "$candidate" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! bin="$(find_poolwatch)"; then
  echo "⚠︎ poolwatch"
  echo "---"
  echo "poolwatch binary not found"
  echo "Install it: cargo install --path <poolwatch repo> | color=gray"
  echo "Or set VAR_POOLWATCH_BIN to its path | color=gray"
  exit 0
fi

if [ "${VAR_ALL_PROFILES:-false}" = "true" ]; then
  export POOLWATCH_ALL_PROFILES=1
fi

if [ -n "${VAR_PROFILE:-}" ]; then
  exec "$bin" plugin --profile "$VAR_PROFILE"
fi
exec "$bin" plugin
