#!/bin/bash
# Builds the Debian package from a built tree, checks what it holds (binaries, unit, config and
# rules as conffiles, the system user, docs, library dependencies), unpacks it into a scratch root
# and runs the installed ekcd --check-config on the installed config.
#   package_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/ekc_*.deb) || fail "no .deb in $work/out"

dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in ./usr/bin/ekcd ./usr/bin/ekcctl ./usr/bin/ekcutl ./etc/ekc/ekcd.yaml \
         ./etc/ekc/rules/default.yaml ./lib/systemd/system/ekcd.service \
         ./usr/lib/sysusers.d/ekc.conf ./usr/share/doc/ekc/operations.md; do
  grep -qx "$f" "$work/contents" || fail "$f is not in the package"
done
if grep -q '^./var/lib/ekc' "$work/contents"; then fail "state must not be packaged"; fi

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libgrpc libprotobuf libyaml-cpp libssl systemd; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

dpkg-deb -e "$deb" "$work/control"
for f in /etc/ekc/ekcd.yaml /etc/ekc/rules/default.yaml; do
  grep -qx "$f" "$work/control/conffiles" || fail "$f is not a conffile"
done
[ -x "$work/control/postinst" ] || fail "no executable postinst"

dpkg-deb -x "$deb" "$work/root"
# The installed config finds its rules beside it, as /etc/ekc/rules does on a real install.
"$work/root/usr/bin/ekcd" --config "$work/root/etc/ekc/ekcd.yaml" --check-config \
  || fail "ekcd --check-config refused the installed config"
echo "package_test: $(basename "$deb") holds $(wc -l <"$work/contents") entries; the installed config is valid"
