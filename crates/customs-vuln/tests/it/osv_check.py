# Independent OSV evaluator for the customs-vuln tests (not part of the crate).
# usage: python3 -c "$(cat osv_check.py)" ZIP ECOSYSTEM name=version ...
# prints JSON {"name@version": [affected record ids]}; withdrawn records skipped.
import json, re, sys, zipfile

zip_path, eco = sys.argv[1], sys.argv[2]
wanted = [a.split("=", 1) for a in sys.argv[3:]]

def semver_key(v):
    v = v.strip()
    if v.startswith("go"):
        v = v[2:]
        m = re.match(r"^(\d+(?:\.\d+)*)(?:(rc|beta|alpha)(\d+))?$", v)
        nums = m.group(1).split(".")
        while len(nums) < 3:
            nums.append("0")
        v = ".".join(nums) + (f"-{m.group(2)}.{m.group(3)}" if m.group(2) else "")
    v = v.lstrip("v").split("+", 1)[0]
    core, _, pre = v.partition("-")
    nums = tuple(int(x) for x in core.split("."))
    if not pre:
        return (nums, 1, ())
    ids = []
    for p in pre.split("."):
        ids.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return (nums, 0, tuple(ids))

MAVEN_Q = {"alpha": 1, "a": 1, "beta": 2, "b": 2, "milestone": 3, "m": 3, "rc": 4, "cr": 4,
           "snapshot": 5, "": 6, "ga": 6, "final": 6, "release": 6, "sp": 7}

def maven_key(v):
    # Simplified ComparableVersion: numbers, then qualifier; enough for the
    # fixture versions (plain numeric) against event versions.
    parts = re.split(r"[.\-_]", v.lower())
    nums, quals = [], []
    for p in parts:
        if p.isdigit() and not quals:
            nums.append(int(p))
        else:
            quals.append(p)
    while nums and nums[-1] == 0:
        nums.pop()
    q = quals[0] if quals else ""
    m = re.match(r"^([a-z]*)(\d*)$", q)
    word, n = (m.group(1), m.group(2)) if m else (q, "")
    rank = MAVEN_Q.get(word, 8)  # unknown qualifiers sort after the release
    return (tuple(nums), rank, word if rank == 8 else "", int(n) if n else 0)

if eco == "PyPI":
    from packaging.version import Version
    key = Version
    norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
elif eco == "Maven":
    key = maven_key
    norm = lambda n: n
else:
    key = semver_key
    norm = lambda n: n

def affected(ver, aff):
    if ver in aff.get("versions", []):
        return True
    for r in aff.get("ranges", []):
        if r["type"] not in ("SEMVER", "ECOSYSTEM"):
            continue
        evs = r["events"]
        def ek(e):
            (k, v), = e.items()
            return (0,) if k == "introduced" and v == "0" else (1, key(v))
        evs = sorted(evs, key=ek)
        vul = False
        for e in evs:
            (k, v), = e.items()
            if k == "introduced" and (v == "0" or key(ver) >= key(v)):
                vul = True
            elif k == "fixed" and key(ver) >= key(v):
                vul = False
            elif k == "last_affected" and key(ver) > key(v):
                vul = False
        if vul:
            return True
    return False

out = {f"{n}@{v}": [] for n, v in wanted}
z = zipfile.ZipFile(zip_path)
for name in z.namelist():
    rec = json.loads(z.read(name))
    if rec.get("withdrawn"):
        continue
    for aff in rec.get("affected", []):
        pkg = aff.get("package", {})
        if pkg.get("ecosystem") != eco:
            continue
        for n, v in wanted:
            if norm(pkg.get("name", "")) == norm(n) and affected(v, aff):
                ids = out[f"{n}@{v}"]
                if rec["id"] not in ids:
                    ids.append(rec["id"])
print(json.dumps({k: sorted(v) for k, v in out.items()}))
