#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for N seconds, one at
# a time on one core (the machine is shared). Fails on the first crash, leak,
# timeout or out-of-memory; libFuzzer leaves the input in
# fuzz/artifacts/<target>/.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 s, all targets)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Seed corpora are made at run time in fuzz/corpus/<target> (git-ignored):
# small inputs from ../shared (CUSTOMS_SHARED) where there are some, plus
# synthetic ones; nothing from ../shared is ever committed.
#
# Environment: CARGO_TARGET_DIR (default fuzz/target), FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds one
# input may take, default 10), FUZZ_LOG (per-run summary, default
# fuzz/artifacts/summary.tsv).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$ROOT/fuzz"
SECS=${1:-60}
shift || true
SHARED=${CUSTOMS_SHARED:-$ROOT/../shared}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$FUZZ/target}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
RSS=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}
LOG=${FUZZ_LOG:-$FUZZ/artifacts/summary.tsv}

cd "$FUZZ"
if [ $# -gt 0 ]; then TARGETS=("$@"); else mapfile -t TARGETS < <(cargo +nightly fuzz list); fi

echo "== building ${#TARGETS[@]} targets (release, debug assertions, ASan)"
cargo +nightly fuzz build -O --debug-assertions --target-dir "$CARGO_TARGET_DIR" >/dev/null
# cargo-fuzz sets this when it runs a target; so do we.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0}
# A one-time glibc allocation for thread-local destructors, see fuzz/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$FUZZ/lsan.supp}
BIN=$CARGO_TARGET_DIR/$(rustc +nightly -vV | sed -n 's/^host: //p')/release

echo "== seeding fuzz/corpus from $SHARED"
python3 - "$SHARED" "$FUZZ/corpus" <<'PY'
import hashlib, io, json, os, sys, tarfile, zipfile, gzip

shared, out = sys.argv[1], sys.argv[2]
MAX = 128 * 1024

def seed(target, data, prefix=None):
    if isinstance(data, str):
        data = data.encode()
    if prefix is not None:
        data = bytes([prefix]) + data
    if len(data) > MAX:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def have(rel):
    return os.path.exists(os.path.join(shared, rel))

# --- OCI: manifests, indexes and configs from the real OCI layout / docker archive.
for rel in ["images/polyglot-app.oci.tar", "images/debian-bookworm-minbase.oci.tar"]:
    if not have(rel):
        continue
    with tarfile.open(os.path.join(shared, rel)) as t:
        for m in t.getmembers():
            if not m.isfile() or m.size > 64 * 1024:
                continue
            b = t.extractfile(m).read()
            if not b.startswith(b"{"):
                continue
            try:
                j = json.loads(b)
            except Exception:
                continue
            if "manifests" in j or "layers" in j:
                for p in range(3):
                    seed("oci_manifest", b, p)
            elif "rootfs" in j:
                seed("oci_config", b)
for rel in ["images/polyglot-app.docker.tar.gz"]:
    if not have(rel):
        continue
    with tarfile.open(os.path.join(shared, rel)) as t:
        for m in t.getmembers():
            if m.isfile() and m.name.endswith(".json") and m.size < 64 * 1024:
                b = t.extractfile(m).read()
                seed("oci_config" if b"rootfs" in b else "oci_manifest", b, None if b"rootfs" in b else 0)
for s in ["alpine", "alpine:3.19", "library/ubuntu@sha256:" + "a" * 64, "localhost:5000/team/app:v1.2",
          "registry.example.com:443/a/b/c:tag@sha256:" + "b" * 64, "[::1]:5000/x", "UPPER/case"]:
    seed("oci_reference", s)
for s in ["linux/amd64", "linux/arm/v7\nlinux/arm64", "windows/amd64", "linux/arm64/v8\nlinux/arm64"]:
    seed("oci_platform", s)
for s in ["docker-archive:/tmp/x.tar:tag", "oci-layout:/tmp/l@sha256:" + "c" * 64, "dir:/",
          "registry:localhost:5000/a:b", "docker://alpine", "sbom:/tmp/s.json", "oci:./x:latest", "alpine:3"]:
    seed("image_target", s)

# --- Synthetic small images: a docker-archive and an OCI layout tar.
def tar_bytes(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data in entries:
            ti = tarfile.TarInfo(name)
            if kind == "dir":
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                t.addfile(ti)
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE; ti.linkname = data
                t.addfile(ti)
            elif kind == "hard":
                ti.type = tarfile.LNKTYPE; ti.linkname = data
                t.addfile(ti)
            else:
                ti.size = len(data); ti.mode = 0o755 if kind == "exe" else 0o644
                t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()

def sha(b):
    return hashlib.sha256(b).hexdigest()

status = b"Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n\n"
layer0 = tar_bytes([("etc/", "dir", None),
                    ("etc/os-release", "file", b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'),
                    ("var/lib/dpkg/status", "file", status),
                    ("bin/sh", "sym", "dash"), ("bin/dash", "exe", b"\x7fELF" + b"\0" * 60),
                    ("bin/sh2", "hard", "bin/dash"), ("app/.env", "file", b"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")])
layer1 = tar_bytes([("etc/.wh.os-release", "file", b""), ("app/.wh..wh..opq", "file", b""),
                    ("app/package.json", "file", b'{"name":"app","version":"1.0.0"}'),
                    ("../escape", "file", b"x"), ("/abs/path", "file", b"y")])
layers = [layer0, layer1]
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["A=1"], "User": "root"},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(l) for l in layers]},
                     "history": [{"created_by": "ADD rootfs"}, {"created_by": "RUN x"}]}).encode()
docker = tar_bytes([(f"{sha(l)}/layer.tar", "file", l) for l in layers] +
                   [(f"{sha(config)}.json", "file", config),
                    ("manifest.json", "file", json.dumps([{"Config": f"{sha(config)}.json", "RepoTags": ["a:b"],
                        "Layers": [f"{sha(l)}/layer.tar" for l in layers]}]).encode())])
seed("image_archive", docker, 0)
gz_layers = [gzip.compress(l, mtime=0) for l in layers]
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(g), "size": len(g)} for g in gz_layers]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + sha(manifest), "size": len(manifest), "platform": {"os": "linux", "architecture": "amd64"},
    "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}).encode()
oci = tar_bytes([("oci-layout", "file", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", "file", index)] +
                [(f"blobs/sha256/{sha(b)}", "file", b) for b in [manifest, config] + gz_layers])
seed("image_archive", oci, 1)
seed("oci_manifest", manifest, 0)
seed("oci_manifest", index, 0)
seed("oci_config", config)
seed("image_layers", layer0 + b"\n--layer--\n" + layer1)
seed("image_layers", layer1)

# --- Catalog: the peer catalogers' package databases, by analyzer path.
CAT = ["var/lib/dpkg/status", "var/lib/dpkg/status.d/", "info/.list", ".md5sums", "/copyright",
       "var/lib/opkg/status", "lib/apk/db/installed", "var/lib/rpm/Packages", "rpmdb.sqlite", "Packages.db",
       "etc/os-release", "etc/lsb-release", "etc/alpine-release", "etc/debian_version", "etc/redhat-release",
       "METADATA", "RECORD", "direct_url.json", ".egg-info", "PKG-INFO", "node_modules/package.json",
       "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock",
       "go.mod", "Gemfile.lock", ".gemspec", "composer.lock", "installed.json", ".deps.json", "usr/bin/app",
       "app.exe", ".jar", ".war"]
def cat_index(path):
    for i, suffix in enumerate(CAT):
        if suffix.startswith("node_modules") and "node_modules/" in path and path.endswith("package.json"):
            return i
        if suffix.endswith("/") and suffix in path and not path.endswith(".md5sums"):
            return i
        if path.endswith(suffix):
            return i
    return None
DEDICATED = {"catalog_dpkg": "var/lib/dpkg/status", "catalog_rpm": ("Packages", "rpmdb.sqlite", "Packages.db"),
             "catalog_npm": "package-lock.json", "catalog_package_json": "/package.json"}
peer = os.path.join(shared, "fixtures/peer-catalogers.tar.gz")
if os.path.exists(peer):
    with tarfile.open(peer) as t:
        for m in t.getmembers():
            if not m.isfile() or m.name.endswith("expected.json"):
                continue
            b = t.extractfile(m).read()
            if m.name.endswith((".md", ".txt")) and not m.name.endswith("installed-files.txt"):
                continue
            i = cat_index(m.name)
            if i is not None:
                seed("catalog_analyzers", b, i)
            for target, suffixes in DEDICATED.items():
                if m.name.endswith(suffixes):
                    seed(target, b)
            if "/syft-dpkg/" in m.name and "status.d/" in m.name and not m.name.endswith(("md5sums", "preinst")):
                seed("catalog_dpkg", b)
            if m.name.endswith(("package-lock.json", "/package.json")):
                seed("catalog_npm", b)
            if m.name.endswith((".json", ".yaml", ".lock")):
                seed("sbom_read", b[:4096])  # shape-alike JSON/YAML for the sniffers
# Jars: a small jar with pom.properties and a nested jar.
def jar(entries):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in entries:
            # A fixed date keeps the seed bytes (and so their names) stable.
            z.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), d)
    return bio.getvalue()
inner = jar([("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: inner\nImplementation-Version: 2.0\n"),
             ("META-INF/maven/org.example/inner/pom.properties", "groupId=org.example\nartifactId=inner\nversion=2.0\n")])
outer = jar([("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: app\nImplementation-Version: 1.0\n"),
             ("META-INF/maven/org.example/app/pom.properties", "groupId=org.example\nartifactId=app\nversion=1.0\n"),
             ("BOOT-INF/lib/inner-2.0.jar", inner)])
for j in [inner, outer]:
    seed("catalog_java", j)
    seed("catalog_analyzers", j, CAT.index(".jar"))
# Executables: small ELF files of this host (structure for the object parser).
for p in ["/usr/bin/true", "/usr/bin/env", "/bin/ls"]:
    if os.path.exists(p) and os.path.getsize(p) <= MAX:
        b = open(p, "rb").read()
        seed("catalog_binary", b)
        seed("catalog_analyzers", b, CAT.index("usr/bin/app"))

# --- SBOMs: the cosign SBOM predicates; CycloneDX/SPDX examples in schemas/.
for rel in ["fixtures/cosign/cosign-testdata/bom-go-mod.spdx.json", "fixtures/cosign/cosign-testdata/bom-go-mod.cyclonedx.json"]:
    if have(rel):
        seed("sbom_read", open(os.path.join(shared, rel), "rb").read())
seed("sbom_read", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\n"
     "PackageName: openssl\nSPDXID: SPDXRef-Package-1\nPackageVersion: 3.0.11\n"
     "ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/openssl@3.0.11?distro=debian-12\n")

# --- Advisories: a few OSV records per ecosystem, Alpine secdb, Debian tracker.
osv_dir = os.path.join(shared, "advisories/osv")
records = []
if os.path.isdir(osv_dir):
    for eco in sorted(os.listdir(osv_dir)):
        z = os.path.join(osv_dir, eco, "all.zip")
        if not os.path.exists(z):
            continue
        with zipfile.ZipFile(z) as zf:
            for n in zf.namelist()[:12]:
                b = zf.read(n)
                records.append(b)
                seed("vuln_import", b, 0)
                seed("vuln_db", b"\n--db--\n" + b, 1)
                try:
                    for r in json.loads(b).get("affected", []):
                        for rg in r.get("ranges", []):
                            for ev in rg.get("events", []):
                                for v in ev.values():
                                    seed("vuln_cvss" if False else "version_compare", str(v), 4)
                    for s in json.loads(b).get("severity", []):
                        seed("vuln_cvss", s.get("score", ""))
                except Exception:
                    pass
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, r in enumerate(records[:3]):
            zf.writestr(zipfile.ZipInfo(f"REC-{i}.json", date_time=(2020, 1, 1, 0, 0, 0)), r)
    seed("vuln_import", bio.getvalue(), 2)
sec = os.path.join(shared, "advisories/alpine-secdb")
if os.path.isdir(sec):
    for rel in sorted(os.listdir(sec))[:3]:
        for f in ["main.yaml", "community.yaml"]:
            p = os.path.join(sec, rel, f)
            if os.path.exists(p):
                b = open(p, "rb").read()
                # secdb files are tens of KB: keep the head, cut at a package boundary.
                cut = b[:8192].rsplit(b"\n  - pkg:", 1)[0] + b"\n"
                seed("vuln_import", cut, 3)
deb = os.path.join(shared, "advisories/debian-tracker/subsets")
if os.path.isdir(deb):
    for f in sorted(os.listdir(deb)):
        seed("vuln_import", open(os.path.join(deb, f), "rb").read(), 0)
for v in ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P/A:P",
          "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N"]:
    seed("vuln_cvss", v)
seed("vuln_triage", json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
    "timestamp": "2024-01-01T00:00:00Z", "version": 1, "statements": [{"vulnerability": {"name": "CVE-2021-23337"},
    "products": [{"@id": "pkg:npm/lodash@4.17.20"}], "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path"}]}), 0)
seed("vuln_triage", "CVE-2021-23337 exp:2030-01-01 # not reachable\nGHSA-fuzz-fuzz-fuzz pkg:npm/lodash\n", 1)
seed("vuln_triage", "vulnerabilities:\n  - id: CVE-2021-23337\n    expires: 2030-01-01\n    statement: no\n", 1)

# --- Versions: real ordering cases per scheme (index in Scheme::ALL).
SCHEMES = {"dpkg": 0, "rpm": 1, "apk": 2, "pep440": 3, "semver": 4, "go": 5, "maven": 7}
vv = os.path.join(shared, "fixtures/version-vectors")
for name, idx in SCHEMES.items():
    p = os.path.join(vv, name + ".json")
    if not os.path.exists(p):
        continue
    cases = json.load(open(p))
    for c in cases[:: max(1, len(cases) // 40)]:
        seed("version_compare", f"{c['a']}\n{c['b']}\n{c['a']}", idx)
for idx, (a, b) in {6: ("1.0.0", "1.0.0-rc.1"), 8: ("1.0.0.pre", "1.0.0.a.1"), 9: ("1.0.0-beta", "1.0.0.0"),
                    10: ("1.0.0-RC1", "1.0.0p1"), 11: ("1.2.3-alpha.1", "v1.2.3")}.items():
    seed("version_compare", f"{a}\n{b}\n{a}", idx)

# --- Secrets, misconfig.
seed("secrets_scan", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", 0)
seed("secrets_scan", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n", 2)
seed("secrets_scan", "token: ghp_" + "a1B2" * 9 + "\npassword = hunter2 # customs:ignore\n", 3)
seed("secrets_config", "rules:\n  - id: my-token\n    regex: 'tok_[a-z0-9]{16}'\n    keywords: [tok_]\n"
     "disable: [generic-api-key]\nallow:\n  paths: ['^test/']\n  regexes: ['EXAMPLE']\n---scan---\ntok_abcdefghijklmnop\n")
seed("misconfig_dockerfile", "# syntax=docker/dockerfile:1\nFROM debian:12 AS build\nUSER root\nRUN apt-get update && \\\n"
     "    apt-get install -y curl\nCOPY --chown=1:1 . /app\nRUN <<EOF\nset -e\necho hi\nEOF\nADD http://example.invalid/x /x\n"
     "FROM scratch\nCOPY --from=build /app /app\nHEALTHCHECK CMD [\"/app\", \"--health\"]\nENTRYPOINT [\"/app\"]\n")
pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  hostNetwork: true\n"
       "  containers:\n  - name: c\n    image: nginx:latest\n    securityContext: &sc {privileged: true, runAsUser: 0}\n"
       "  - name: d\n    image: registry.example.com/team/app@sha256:" + "d" * 64 + "\n    securityContext: *sc\n---\n"
       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: x, image: x}]\n"
       "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}}\n")
seed("misconfig_manifests", pod, 0)
seed("misconfig_manifests", "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n", 1)
seed("misconfig_config", "pss-level: baseline\ndisabled: [KSV001]\nregistry-allowlist: [registry.example.com]\n")

# --- Attestation: real keys, bundles, trusted root.
keys = os.path.join(shared, "fixtures/cosign/keys")
if os.path.isdir(keys):
    for f in sorted(os.listdir(keys)):
        b = open(os.path.join(keys, f), "rb").read()
        seed("attest_keys", b, 0)
        if b"ENCRYPTED" in b:
            body = "".join(l for l in b.decode().splitlines() if l and not l.startswith("-----"))
            import base64
            env = base64.b64decode(body)
            # Keep the real envelope but with a cheap KDF so each run is fast.
            try:
                j = json.loads(env)
                j["kdf"]["params"]["N"] = 2
                seed("attest_encrypted_key", json.dumps(j))
            except Exception:
                pass
            seed("attest_encrypted_key", env)
ct = os.path.join(shared, "fixtures/cosign/cosign-testdata")
root = b""
if os.path.isdir(ct):
    root = open(os.path.join(ct, "trusted_root_pgi.json"), "rb").read()
    for f in sorted(os.listdir(ct)):
        b = open(os.path.join(ct, f), "rb").read()
        if f.endswith(".sigstore.json"):
            seed("attest_bundle", len(root).to_bytes(2, "little") + root + b)
            seed("attest_bundle", b"\0\0" + b)
            j = json.loads(b)
            if "dsseEnvelope" in j:
                seed("attest_dsse", json.dumps(j["dsseEnvelope"]))
                import base64
                seed("attest_statement", base64.b64decode(j["dsseEnvelope"]["payload"]))
        elif f != "trusted_root_pgi.json":
            stmt = {"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://cosign.sigstore.dev/attestation/v1",
                    "subject": [{"name": "img", "digest": {"sha256": "0" * 64}}], "predicate": json.loads(b) if b.strip().startswith((b"{", b"[")) else b.decode()}
            seed("attest_statement", json.dumps(stmt))
b3 = os.path.join(shared, "fixtures/cosign/sigstore-rs-bundle_v03.json")
if os.path.exists(b3):
    seed("attest_bundle", len(root).to_bytes(2, "little") + root + open(b3, "rb").read())
seed("attest_statement", json.dumps({"critical": {"identity": {"docker-reference": "r"}, "image": {"docker-manifest-digest": "sha256:" + "0" * 64},
     "type": "cosign container image signature"}, "optional": None}))
seed("attest_statement", json.dumps({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
     "subject": [{"digest": {"sha256": "0" * 64}}], "predicate": {"buildDefinition": {"buildType": "x", "externalParameters": {},
     "resolvedDependencies": [{"uri": "git+https://github.com/owner/repo@refs/heads/main", "digest": {"gitCommit": "a" * 40}}]},
     "runDetails": {"builder": {"id": "https://github.com/actions/runner"}}}}))
seed("attest_statement", "2024-02-29T23:59:60.123+05:30")
seed("registry_docker_config", json.dumps({"auths": {"localhost:5000": {"auth": "dXNlcjpwYXNz"},
     "https://index.docker.io/v1/": {"identitytoken": "tok"}}, "credHelpers": {"r.example": "fake"}, "credsStore": "desktop"}))
print("seeded:", ", ".join(f"{d}={len(os.listdir(os.path.join(out, d)))}" for d in sorted(os.listdir(out))))
PY

mkdir -p "$FUZZ/artifacts"
printf 'target\tseconds\texecs\tcorpus\tresult\n' > "$LOG"
failed=()
for t in "${TARGETS[@]}"; do
    mkdir -p "$FUZZ/corpus/$t" "$FUZZ/artifacts/$t"
    echo "== $t (${SECS}s)"
    out="$FUZZ/artifacts/$t/run.log"
    start=$(date +%s)
    set +e
    # The binary built above, run directly: `cargo fuzz run` would rebuild
    # whenever a crate changed meanwhile, and that time would count.
    "$BIN/$t" "$FUZZ/corpus/$t" -artifact_prefix="$FUZZ/artifacts/$t/" \
        -max_total_time="$SECS" -jobs=1 -workers=1 -rss_limit_mb="$RSS" -timeout="$TIMEOUT" \
        -malloc_limit_mb="$RSS" -print_final_stats=1 >"$out" 2>&1 </dev/null
    rc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$' | tail -1)
    corpus=$(find "$FUZZ/corpus/$t" -type f | wc -l)
    if [ $rc -eq 0 ]; then res=ok; else res="FAILED(rc=$rc)"; failed+=("$t"); fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-?}" "$corpus" "$res" | tee -a "$LOG"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR: libFuzzer|panicked at|SUMMARY|Test unit written|==ERROR' "$out" | head -8 || true
    fi
done
echo "== summary in $LOG"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]} (inputs in fuzz/artifacts/<target>/, logs in fuzz/artifacts/<target>/run.log)" >&2
    exit 1
fi
