# Source this file: it puts a Node.js ≥ 22 on PATH.
# When the machine's node is older (or missing), it installs the pinned LTS
# from the npm registry (package node-<os>-<arch>) into .tools/, once.
# shellcheck shell=bash
HONNIN_NODE_VERSION="${HONNIN_NODE_VERSION:-24.21.0}"
HONNIN_NODE_MIN=22.18   # type stripping without flags

_honnin_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# prints "ok" when the node on PATH is at least $HONNIN_NODE_MIN
_honnin_node_ok() {
  command -v node >/dev/null 2>&1 || return 0
  node -e 'const [a,b]=process.versions.node.split(".").map(Number),[x,y]=process.argv[1].split(".").map(Number);if(a>x||(a===x&&b>=y))console.log("ok")' "$HONNIN_NODE_MIN" 2>/dev/null
}

if [ "$(_honnin_node_ok)" != ok ]; then
  case "$(uname -s)" in Linux) _os=linux ;; Darwin) _os=darwin ;; *) echo "honnin: unsupported OS $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) _arch=x64 ;; aarch64|arm64) _arch=arm64 ;; *) echo "honnin: unsupported CPU $(uname -m)" >&2; return 1 ;; esac
  _dir="${HONNIN_TOOLS_DIR:-$_honnin_root/.tools}/node-v$HONNIN_NODE_VERSION-$_os-$_arch"
  if [ ! -x "$_dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "honnin: need npm (any version) to fetch Node.js $HONNIN_NODE_VERSION" >&2; return 1; }
    echo "honnin: installing Node.js $HONNIN_NODE_VERSION from the npm registry into $_dir" >&2
    _tmp="$(mktemp -d)"
    ( cd "$_tmp" && npm pack --silent "node-$_os-$_arch@$HONNIN_NODE_VERSION" >/dev/null ) || { rm -rf "$_tmp"; echo "honnin: npm pack node-$_os-$_arch@$HONNIN_NODE_VERSION failed" >&2; return 1; }
    mkdir -p "$_dir" && tar -xzf "$_tmp"/node-*.tgz -C "$_dir" --strip-components=1 && rm -rf "$_tmp"
  fi
  export PATH="$_dir/bin:$PATH"
  # native addons (optional PC/SC binding) must build against this node's headers
  export npm_config_nodedir="$_dir"
  unset _os _arch _dir _tmp
fi
unset -f _honnin_node_ok
