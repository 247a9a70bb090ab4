#!/usr/bin/env bash
# Build Flux's source-controller and kustomize-controller for the side-by-side benchmark
# (bench/bench_flux.py, `make bench-flux`). Never used by `make test`.
#
#   bench/flux/build.sh               build once (seconds when already built); last line: bin dir
#   bench/flux/build.sh --print-dir   the directory the binaries go to, without building
#
# Versions: bench/flux/versions.env. Output: $GITOPSD_FLUX_CACHE (default
# ~/.cache/gitopsd/flux)/<version>/{bin,crds}, outside the repository, like the test bed.
# Modules come from the Go module proxy through the local toolchain (GOTOOLCHAIN=local).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="$FLUX_CONTROLLERS_VERSION"
out="${GITOPSD_FLUX_CACHE:-$HOME/.cache/gitopsd/flux}/$version"

if [[ "${1:-}" == --print-dir ]]; then
    echo "$out/bin"
    exit 0
fi

controllers=(source-controller kustomize-controller)
say() { printf '[flux-build] %s\n' "$*" >&2; }

built() {
    local c
    for c in "${controllers[@]}"; do [[ -x "$out/bin/$c" ]] || return 1; done
    [[ -s "$out/bin/VERSIONS" ]] && compgen -G "$out/crds/*.yaml" >/dev/null
}
if built; then
    echo "$out/bin"
    exit 0
fi

command -v go >/dev/null || { say "the Go toolchain is not on PATH"; exit 1; }
# The same switches as the projects' own release builds: static, no local paths.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

# Where `go mod download` unpacked module@version (read-only files).
module_dir() {
    go mod download -json "$1" | python3 -c '
import json, sys
info = json.load(sys.stdin)
if info.get("Error"):
    sys.exit(info["Error"])
print(info["Dir"])'
}

work="$out/src"
rm -rf "$work" "$out/bin" "$out/crds"
mkdir -p "$work" "$out/bin" "$out/crds"
for c in "${controllers[@]}"; do
    # Each module's go.mod says `replace .../api => ./api`, but the module zip leaves the
    # nested api module out: put the api module of the same version where go.mod looks.
    cp -r "$(module_dir "github.com/fluxcd/$c@$version")" "$work/$c"
    cp -r "$(module_dir "github.com/fluxcd/$c/api@$version")" "$work/$c/api"
    chmod -R u+w "$work/$c"
done

notes=""
wanted="$(awk '$1 == "github.com/fluxcd/pkg/artifact" {print $2}' "$work/source-controller/go.mod")"
if [[ -n "$wanted" ]] && ! go mod download "github.com/fluxcd/pkg/artifact@$wanted" 2>/dev/null; then
    say "github.com/fluxcd/pkg/artifact@$wanted cannot be downloaded; using $FLUX_ARTIFACT_FALLBACK"
    (cd "$work/source-controller" &&
        go mod edit -replace "github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@$FLUX_ARTIFACT_FALLBACK")
    notes=" (github.com/fluxcd/pkg/artifact $FLUX_ARTIFACT_FALLBACK for $wanted)"
fi

for c in "${controllers[@]}"; do
    started=$SECONDS
    say "building $c $version"
    (cd "$work/$c" && go build -trimpath -o "$out/bin/$c" .)
    say "$c built in $((SECONDS - started)) s"
    cp "$work/$c"/config/crd/bases/*.yaml "$out/crds/"
done
{
    echo "source-controller $version$notes"
    echo "kustomize-controller $version"
    go version
} >"$out/bin/VERSIONS"
rm -rf "$work"
echo "$out/bin"
