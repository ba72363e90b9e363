#!/usr/bin/python3
"""Builds the tiny-lm data: byte-level token shards of four text domains taken from what Debian
packages install on this machine, split per domain into train and validation.

Output (DIR, default examples/tiny-lm/data):
  DIR/<domain>/train.bin, DIR/<domain>/val.bin   raw bytes (uint8 tokens, vocabulary 256)
  DIR/manifest.json                             sources, file counts, sizes, sha256 of each shard

Deterministic: every domain's candidate files are listed in sorted order, then visited in the
order of sha256(path), so the choice spreads over the whole tree
instead of taking the alphabetically first folder. Files are taken until the domain's byte cap
is reached (each file truncated to --max-file-bytes). The split rule: the selected files at
positions 0, 10, 20, ... of that order go to validation, the others to train (so a domain always
has validation data, and no file is in both). Same machine contents, same options -> the same
bytes and checksums. Idempotent: when DIR/manifest.json records the same options and every shard
still has its checksum, nothing is rebuilt.
"""
import argparse
import gzip
import hashlib
import html.parser
import json
import os
import subprocess
import sys
import tempfile

VALIDATION_EVERY = 10  # selected file i goes to validation when i % 10 == 0

SOURCES = {
    # domain: (where the files come from, file suffixes, how the text is extracted). A tuple of
    # Debian packages means the files those packages install (dpkg -L), so the data does not
    # depend on what else happens to be installed; a folder means every file under it.
    "c_headers": (("libc6-dev", "linux-libc-dev"), (".h",), "raw"),
    "python": ("/usr/lib/python3.11", (".py",), "raw"),
    "html_docs": ("/usr/share/doc/python3-doc/html", (".html",), "html"),
    "man_pages": (("manpages", "manpages-dev"), (".gz",), "man"),
}


class _TextOfHtml(html.parser.HTMLParser):
    """Visible text of an HTML page: drops <script>/<style>, one line per block element."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(path):
    p = _TextOfHtml()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    lines = (" ".join(line.split()) for line in "".join(p.parts).splitlines())
    return "\n".join(line for line in lines if line).encode("utf-8")


def man_text(path):
    """A man page rendered to plain text by groff (ASCII, no overstriking, 80 columns)."""
    with gzip.open(path, "rb") as f:
        source = f.read()
    if source.startswith(b".so "):  # a link to another page: no text of its own
        return b""
    r = subprocess.run(["groff", "-t", "-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-rLL=80n"],
                       input=source, capture_output=True, timeout=60,
                       env=dict(os.environ, LC_ALL="C"))
    return r.stdout if r.returncode == 0 else b""


def source_name(domain):
    where = SOURCES[domain][0]
    return where if isinstance(where, str) else "Debian packages " + ", ".join(where)


def candidates(domain):
    """Sorted paths of the domain's files (relative to its folder, or absolute for packages)."""
    where, suffixes, _ = SOURCES[domain]
    hint = "(run examples/tiny-lm/prepare.sh, which installs the packages it reads)"
    out = []
    if isinstance(where, str):
        if not os.path.isdir(where):
            sys.exit(f"prepare: domain {domain}: source folder {where} is missing {hint}")
        for dirpath, dirnames, filenames in os.walk(where, followlinks=True):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, where)
            if domain == "python" and rel_dir.split(os.sep)[0] in ("dist-packages",
                                                                  "site-packages"):
                continue  # the standard library only
            out += [os.path.normpath(os.path.join(rel_dir, n)) for n in filenames
                    if n.endswith(suffixes)]
    else:
        r = subprocess.run(["dpkg-query", "-L", *where], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"prepare: domain {domain}: {r.stderr.strip()} {hint}")
        out = [p for p in r.stdout.splitlines()
               if p.endswith(suffixes) and os.path.isfile(p) and not os.path.islink(p)]
        if domain == "man_pages":
            out = [p for p in out if "/man/man" in p]  # English pages, not the translations
    if not out:
        sys.exit(f"prepare: domain {domain}: no {'/'.join(suffixes)} files in {source_name(domain)}")
    return sorted(set(out))


def extract(domain, rel, max_file_bytes):
    where, _, kind = SOURCES[domain]
    path = os.path.join(where, rel) if isinstance(where, str) else rel
    try:
        if kind == "html":
            data = html_text(path)
        elif kind == "man":
            data = man_text(path)
        else:
            with open(path, "rb") as f:
                data = f.read(max_file_bytes)
    except (OSError, subprocess.SubprocessError, EOFError, gzip.BadGzipFile):
        return b""
    return data[:max_file_bytes]


def order_key(rel):
    return hashlib.sha256(rel.encode()).hexdigest()


def build_domain(domain, max_bytes, max_file_bytes, out_dir):
    files = sorted(candidates(domain), key=order_key)
    train, val, n_train, n_val, total, taken = [], [], 0, 0, 0, 0
    for rel in files:
        if total >= max_bytes:
            break
        data = extract(domain, rel, max_file_bytes)
        if not data.strip():
            continue
        data = data[: max_bytes - total] + b"\n"
        if taken % VALIDATION_EVERY == 0:
            val.append(data)
            n_val += 1
        else:
            train.append(data)
            n_train += 1
        taken += 1
        total += len(data)
    if not train or not val:
        sys.exit(f"prepare: domain {domain}: too little text ({taken} files) for a train/val split")
    os.makedirs(os.path.join(out_dir, domain), exist_ok=True)
    entry = {"source": source_name(domain), "extraction": SOURCES[domain][2],
             "candidate_files": len(files)}
    for split, chunks, n in (("train", train, n_train), ("val", val, n_val)):
        blob = b"".join(chunks)
        path = os.path.join(out_dir, domain, split + ".bin")
        with open(path + ".tmp", "wb") as f:
            f.write(blob)
        os.replace(path + ".tmp", path)
        entry[split] = {"file": f"{domain}/{split}.bin", "files": n, "bytes": len(blob),
                        "sha256": hashlib.sha256(blob).hexdigest()}
    return entry


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def up_to_date(out_dir, options):
    try:
        with open(os.path.join(out_dir, "manifest.json")) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    if m.get("options") != options:
        return False
    for entry in m.get("domains", {}).values():
        for split in ("train", "val"):
            path = os.path.join(out_dir, entry[split]["file"])
            if not os.path.exists(path) or sha256_of(path) != entry[split]["sha256"]:
                return False
    return set(m.get("domains", {})) == set(options["domains"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "data"), help="output folder")
    ap.add_argument("--max-bytes", type=int, default=2_000_000,
                    help="bytes of text per domain, train + validation (default 2,000,000)")
    ap.add_argument("--max-file-bytes", type=int, default=32_768,
                    help="bytes taken from one source file at most (default 32,768)")
    ap.add_argument("--tiny", action="store_true",
                    help="a small slice for tests: 24,000 bytes per domain, 4,096 per file")
    ap.add_argument("--domains", default=",".join(SOURCES),
                    help="comma list of domains (default: all of " + ", ".join(SOURCES) + ")")
    a = ap.parse_args()
    if a.tiny:
        a.max_bytes, a.max_file_bytes = 24_000, 4_096
    domains = [d for d in a.domains.split(",") if d]
    for d in domains:
        if d not in SOURCES:
            ap.error(f"unknown domain '{d}' (known: {', '.join(SOURCES)})")
    if a.max_bytes < 1000 or a.max_file_bytes < 100:
        ap.error("--max-bytes must be >= 1000 and --max-file-bytes >= 100")
    options = {"domains": domains, "max_bytes": a.max_bytes, "max_file_bytes": a.max_file_bytes,
               "validation_every": VALIDATION_EVERY,
               "sources": {d: [source_name(d), list(SOURCES[d][1]), SOURCES[d][2]] for d in domains}}
    out_dir = os.path.abspath(a.out)
    if up_to_date(out_dir, options):
        print(f"prepare: {out_dir} is up to date")
        return
    os.makedirs(out_dir, exist_ok=True)
    manifest = {"format": "uint8 byte tokens, vocabulary 256", "options": options, "domains": {}}
    for d in domains:
        e = build_domain(d, a.max_bytes, a.max_file_bytes, out_dir)
        manifest["domains"][d] = e
        print(f"prepare: {d:10s} train {e['train']['bytes']:>9,} bytes ({e['train']['files']} "
              f"files), val {e['val']['bytes']:>8,} bytes ({e['val']['files']} files) "
              f"from {e['source']}")
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".manifest.")
    with os.fdopen(fd, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))
    print(f"prepare: wrote {os.path.join(out_dir, 'manifest.json')}")


if __name__ == "__main__":
    main()
