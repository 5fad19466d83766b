#!/usr/bin/env bash
# Type-check the Xcode-only view sources (Shared/, Widget/, App/OverviewView.swift, App/SnapshotStore.swift)
# on Linux against the minimal SwiftUI/WidgetKit/Combine/Charts stubs in this folder, so that a view that calls
# SnapshotKit with a wrong label or type fails here and not only in Xcode. The stubs cover just the API
# the views use (add to them when a view uses more); they are never built into the app.
#
#   bash .ci/swift-test                      # builds SnapshotKit first (its module is needed)
#   bash widget-extension/typecheck/run.sh   # same POOLWATCH_SWIFT_CHROOT as .ci/swift-test
#
# App/PoolwatchWidgetHostApp.swift (AppKit) is not covered.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WIDGET_DIR="$(dirname "$HERE")"
SOURCES=("$WIDGET_DIR"/Shared/*.swift "$WIDGET_DIR"/Widget/*.swift
         "$WIDGET_DIR"/App/OverviewView.swift "$WIDGET_DIR"/App/SnapshotStore.swift)

check() { # $1 = stub dir, $2 = SnapshotKit module dir, rest = sources
    local stubs=$1 modules=$2; shift 2
    (cd "$stubs" &&
        swiftc -parse-as-library -emit-module -module-name SwiftUI SwiftUI.swift -o SwiftUI.swiftmodule &&
        swiftc -parse-as-library -emit-module -module-name Combine Combine.swift -o Combine.swiftmodule &&
        swiftc -parse-as-library -emit-module -module-name WidgetKit WidgetKit.swift -I . -o WidgetKit.swiftmodule &&
        swiftc -parse-as-library -emit-module -module-name Charts Charts.swift -I . -o Charts.swiftmodule)
    swiftc -typecheck -parse-as-library -I "$stubs" -I "$modules" "$@"
}

if [[ "$(uname)" == Darwin ]]; then
    echo "[typecheck] macOS has the real SwiftUI: build with Xcode instead" >&2
    exit 0
fi

if command -v swift >/dev/null 2>&1 && [[ "${POOLWATCH_SWIFT_FORCE_CHROOT:-0}" != 1 ]]; then
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    cp "$HERE"/*.swift "$work/"
    swift build --package-path "$WIDGET_DIR/SnapshotKit" >/dev/null
    check "$work" "$WIDGET_DIR/SnapshotKit/.build/debug/Modules" "${SOURCES[@]}"
    echo "[typecheck] passed" >&2
    exit 0
fi

[[ $(id -u) == 0 ]] || { echo "[typecheck] needs root for the chroot (see .ci/swift-test)" >&2; exit 2; }
CHROOT="${POOLWATCH_SWIFT_CHROOT:-/var/cache/poolwatch/swift-chroot}"
CHROOT="${CHROOT%/}"
[[ -f "$CHROOT/.poolwatch-packages-complete" ]] || { echo "[typecheck] no toolchain chroot at $CHROOT: run .ci/swift-test first" >&2; exit 2; }
MODULES=/root/snapshotkit-build/debug/Modules      # .ci/swift-test's scratch path inside the chroot
[[ -d "$CHROOT$MODULES" ]] || { echo "[typecheck] SnapshotKit is not built: run .ci/swift-test first" >&2; exit 2; }

exec 9>"$CHROOT.lock"
flock 9
inner=/root/view-typecheck
mounted=()
cleanup() {
    local i
    for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true; done
    rm -rf "${CHROOT:?}$inner"
}
trap cleanup EXIT
rm -rf "${CHROOT:?}$inner"
mkdir -p "$CHROOT$inner/stubs" "$CHROOT$inner/src"
cp "$HERE"/*.swift "$CHROOT$inner/stubs/"
cp "${SOURCES[@]}" "$CHROOT$inner/src/"
for fs in proc dev; do
    if ! mountpoint -q "$CHROOT/$fs"; then
        if [[ $fs == proc ]]; then mount -t proc proc "$CHROOT/proc"; else mount --bind /dev "$CHROOT/dev"; fi
        mounted+=("$CHROOT/$fs")
    fi
done
chroot "$CHROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin /bin/bash -c "$(declare -f check); set -e; cd $inner/src; check $inner/stubs $MODULES *.swift"
echo "[typecheck] passed" >&2
