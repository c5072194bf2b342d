#!/usr/bin/env bash
# Refreshes the front-end libraries under static/vendor/ from their npm packages, at the versions
# pinned below, copying only their unmodified distribution files and writing MANIFEST.json.
# Needs Node.js's npm and network access to the npm registry; users of the product need neither.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# package@version | files to copy from the package (paths inside the tarball's package/ folder)
packages=(
  "htmx.org@2.0.11|dist/htmx.min.js"
  "leaflet@1.9.4|dist/leaflet.js dist/leaflet.css dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png dist/images/layers.png dist/images/layers-2x.png"
  "@picocss/pico@2.1.1|css/pico.min.css"
  "axe-core@4.14.1|axe.min.js"
)

manifest="$work/MANIFEST.json"
echo "[" > "$manifest"
first=1
for entry in "${packages[@]}"; do
  spec="${entry%%|*}"
  files="${entry#*|}"
  name="${spec%@*}"
  version="${spec##*@}"
  folder="$here/$(basename "$name")"
  (cd "$work" && npm pack --silent "$spec" > /dev/null)
  tarball="$(ls "$work"/*.tgz)"
  mkdir -p "$work/unpacked"
  tar -xzf "$tarball" -C "$work/unpacked"
  rm -rf "$folder"
  for file in $files; do
    mkdir -p "$folder/$(dirname "$file")"
    cp "$work/unpacked/package/$file" "$folder/$file"
  done
  licence="$(node -e "console.log(require('$work/unpacked/package/package.json').license)")"
  for candidate in LICENSE LICENSE.md LICENSE.txt; do
    if [ -f "$work/unpacked/package/$candidate" ]; then
      cp "$work/unpacked/package/$candidate" "$folder/LICENSE"
      break
    fi
  done
  integrity="$(npm view "$spec" dist.integrity)"
  [ $first -eq 1 ] || echo "," >> "$manifest"
  first=0
  printf '  {"package": "%s", "version": "%s", "licence": "%s", "integrity": "%s", "files": "%s"}' \
    "$name" "$version" "$licence" "$integrity" "$files" >> "$manifest"
  rm -rf "$work/unpacked" "$tarball"
done
printf '\n]\n' >> "$manifest"
cp "$manifest" "$here/MANIFEST.json"
echo "vendored ${#packages[@]} packages into $here"
