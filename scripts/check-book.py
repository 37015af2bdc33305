#!/usr/bin/env python3
"""Fails when the book or a README cites something that does not exist.

Usage: python3 scripts/check-book.py [-v]   (from anywhere; paths are taken
from the repository root). Exit 1 with one line per problem,
``file:line: what``, on stderr; a summary of what was checked on stdout.
``-v`` also prints every citation checked.

Scanned: docs/src/**/*.md, README.md, and CONTRIBUTING.md,
loadtests/README.md, k8s/README.md, infra/terraform/README.md,
katas/README.md where they exist. Live includes (``{{#include …}}``) are
checked by scripts/check-doc-includes.py, not here.

What is a citation, and what it must name:

1. Paths. Checked in inline code spans and in link targets, in prose only
   (not in fenced code blocks, except the rule for shell blocks below).
   A code span is a path when it holds no space and either contains a ``/``
   and starts with a top-level entry of the repository (``services/``,
   ``crates/``, ``scripts/``, ``docs/``, ``.github/``, ...), or ends in a
   known extension (.rs .py .sh .toml .yml .yaml .tf .md .sql .ts .json).
   Skipped: spans holding a placeholder or glob (``* < > { } … $``, or
   ``NN``/``XX`` standing for a number: ``docs/src/adr/00NN-title.md``), URLs
   (``scheme://``), absolute paths (``/run/secrets/…``: a machine's, not
   the repository's) and ``~/``. Then:
     - a span starting with a top-level entry must exist from the root
       (a trailing ``/`` means a directory);
     - another span with a ``/`` (``src/main.rs``, ``helpers/stub.rs``)
       must be the tail of some path in the repository;
     - a bare file name (``settings.rs``) must be some file's name.
   A link target that is not a URL nor a pure ``#anchor`` resolves from
   the directory of the file that holds it (``index.md`` is the book's
   ``README.md``, as mdBook renders it); for a link to a ``.md`` file
   in the book, its ``#anchor`` must be a heading of that chapter (mdBook's
   ids: lower case, spaces to ``-``, other punctuation dropped, ``-1``,
   ``-2`` for repeats, or an explicit ``{#id}``); a pure ``#anchor`` must
   be a heading of the same file.
   Shell blocks (```sh, ```bash, ```console): each word of a command line
   that starts with a top-level directory and ``/`` (``scripts/tour.sh``,
   ``loadtests/run.sh``) must exist. Command lines are every non-comment
   line of sh/bash blocks, and the ``$ `` lines of console blocks; the rest
   of a console block is output. Other fenced blocks (code, TOML, YAML,
   text) are examples or excerpts and are not checked for paths: a path in
   them is the reader's own file, or the program's output.
   ALLOWED_PATHS lists the few remaining exceptions, each with its reason.

2. Settings. An inline code span that is a dotted key under one of the
   configuration's top-level sections (``users.``, ``gateway.``,
   ``worker.``, ``redis.``, ``database.``, ``telemetry.``, ``amqp.``,
   ``link_sealing.``; a ``<name>`` segment stands for a map key; not a
   file name, nor a ``table.column`` of the services' diesel schemas such
   as ``users.id``) must
     - resolve in the code: each segment a field of the serde settings
       struct reached so far (the ``Deserialize`` structs under
       services/*/src and crates/platform/src, walked from each service's
       ``Settings``; a map's value type is entered after one key segment,
       a ``Vec``'s element type directly), and
     - outside configuration.md, be documented there: in its tables, or as
       a code span of its prose (``gateway.http.host``, which the gateway
       shares with the users service). The shorthand ``a.b.c`` / ``.d``
       means ``a.b.c`` and ``a.b.d``.
   Every key in configuration.md's tables must resolve in the code too.

3. Names. An inline code span of only ``[a-z0-9_]`` with at least three
   underscores (the shape of a test name such as
   ``idempotent_requests_are_retried_on_another_instance``, a metric, or a
   field) must occur as a word somewhere in the repository's sources
   (*.rs, *.py, *.ts, *.sh, and the .toml/.yml/.yaml/.tf/.sql/.json/.lua/
   .conf files that hold metric, alert and column names; the markdown
   itself does not count). Otherwise it "names nothing".

4. Stale words. A prose line (outside fenced code blocks and inline code)
   holding "planned", "not yet", "will be added", "to come", "coming
   soon" or "TODO" is reported unless its sentence links the status page
   (``status.md``): a claim that something is missing must point at the
   one list of what is missing. "not yet" followed by a word that
   describes a running thing's state (``not yet running``, ``not yet
   valid``, ``not yet confirmed``…: RUNTIME_STATES) is prose about the
   program, not about the project, and is not a claim. The status page
   itself is not checked for these words: it is the list.
   Likewise a section headed "What is not here yet", "Not done yet" or
   "Still to come" must link status.md somewhere in it.
"""
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

EXTRA_DOCS = [
    "README.md",
    "CONTRIBUTING.md",
    "loadtests/README.md",
    "k8s/README.md",
    "infra/terraform/README.md",
    "katas/README.md",
]

# Directories that are build output or local state, never in a fresh clone.
IGNORED_DIRS = {".git", "target", "node_modules", "__pycache__", "book",
                "test-results", "playwright-report"}

EXTENSIONS = (".rs", ".py", ".sh", ".toml", ".yml", ".yaml", ".tf", ".md",
              ".sql", ".ts", ".json", ".env")

# Paths cited on purpose that are not (or not yet at read time) files of a
# fresh clone. Each with its reason.
ALLOWED_PATHS = {
    # Written by the worker's file sink at run time (.gitignore'd).
    "target/emails": "created by the worker at startup",
    # Build output of `mdbook build docs` (.gitignore'd).
    "docs/book": "mdbook's output directory",
    "docs/book/index.html": "mdbook's output",
    # The web app's dependencies, installed by scripts/web.sh.
    "web/node_modules": "installed by npm ci",
    # Written by release-please with the first release
    # (release-please-config.json: changelog-path).
    "CHANGELOG.md": "release-please writes it at the first release",
    # Rust's module-file convention, named as a convention, not as a file.
    "foo.rs": "the module-file style the lints ask for (`foo.rs` beside `foo/`)",
    # The developer's own copy of .env.example (.gitignore'd).
    ".env": "copied from .env.example by whoever runs compose",
}

SETTING_SECTIONS = ("environment", "telemetry", "database", "redis", "amqp",
                    "link_sealing", "users", "gateway", "worker")

SOURCE_WORD_EXTENSIONS = (".rs", ".py", ".ts", ".sh", ".toml", ".yml",
                          ".yaml", ".tf", ".sql", ".json", ".lua", ".conf",
                          ".tpl", ".hcl", ".js", ".mjs")

STALE = re.compile(
    r"\b(planned|not yet|will be added|to come|coming soon|TODO)\b",
    re.IGNORECASE)
RUNTIME_STATES = {
    "running", "serving", "valid", "confirmed", "tried", "sent",
    "acknowledged", "applied", "published", "processed", "replayed",
    "committed", "ready", "expired", "visible", "known", "open", "opened",
    "started", "seen", "delivered",
}

# Names of other programs' things, cited as such. Each with its reason.
EXTERNAL_NAMES = {
    "max_standby_streaming_delay": "a Postgres server parameter",
    "max_slot_wal_keep_size": "a Postgres server parameter",
    "http_server_request_duration_seconds":
        "OpenTelemetry's semantic-convention metric, the one we did not adopt",
}

STATUS_PAGE = "docs/src/status.md"

SHELL_BLOCK_LANGS = {"sh", "bash", "console", "shell"}


# ---------------------------------------------------------------- repository

def walk_repo():
    files, dirs = set(), set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        rel = pathlib.Path(dirpath).relative_to(ROOT).as_posix()
        if rel != ".":
            dirs.add(rel)
        for name in filenames:
            files.add(name if rel == "." else f"{rel}/{name}")
    return files, dirs


FILES, DIRS = walk_repo()
TOP_LEVEL = {p.split("/")[0] for p in FILES | DIRS}
TOP_DIRS = {d for d in DIRS if "/" not in d}
BASENAMES = {p.rsplit("/", 1)[-1] for p in FILES} | {
    d.rsplit("/", 1)[-1] for d in DIRS}


def exists(rel):
    rel = rel.rstrip("/")
    return rel in FILES or rel in DIRS or rel == ""


def is_tail_of_some_path(rel):
    rel = rel.strip("/")
    return any(p == rel or p.endswith("/" + rel) for p in FILES | DIRS)


# ------------------------------------------------------------------ markdown

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(\s|$)")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


class Doc:
    """One markdown file: its prose blocks, fenced blocks and headings."""

    def __init__(self, path):
        self.path = path
        self.rel = path.relative_to(ROOT).as_posix()
        self.lines = path.read_text().split("\n")
        self.prose = []     # (first line number, [lines])
        self.fenced = []    # (lang, [(line number, text)])
        self.anchors = set()
        self._parse()

    def _parse(self):
        block, start = [], None
        fence, fence_lang, fence_lines = None, None, []
        in_comment = False
        counts = {}
        for number, line in enumerate(self.lines, 1):
            if fence:
                stripped = line.strip()
                if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                    self.fenced.append((fence_lang, fence_lines))
                    fence = None
                else:
                    fence_lines.append((number, line))
                continue
            if in_comment:
                if "-->" in line:
                    in_comment = False
                continue
            if line.lstrip().startswith("<!--") and "-->" not in line:
                in_comment = True
                continue
            match = FENCE.match(line)
            if match:
                if block:
                    self.prose.append((start, block))
                    block = []
                fence, fence_lang, fence_lines = match.group(2), match.group(3), []
                fence_lang = fence_lang.split(",")[0].lower()
                continue
            heading = HEADING.match(line)
            if heading:
                self._add_anchor(heading.group(2), counts)
            if line.strip() == "" or heading:
                if block:
                    self.prose.append((start, block))
                    block = []
                if heading:
                    self.prose.append((number, [line]))
                continue
            if not block:
                start = number
            block.append(line)
        if block:
            self.prose.append((start, block))

    def _add_anchor(self, text, counts):
        custom = re.search(r"\{#([^}\s]+)[^}]*\}\s*$", text)
        if custom:
            self.anchors.add(custom.group(1))
            return
        text = re.sub(r"<[^>]*>", "", text)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)   # link text only
        text = text.replace("`", "")
        ident = "".join(
            ch.lower() if (ch.isalnum() or ch in "_-") else ("-" if ch.isspace() else "")
            for ch in text)
        seen = counts.get(ident, 0)
        counts[ident] = seen + 1
        self.anchors.add(ident if seen == 0 else f"{ident}-{seen}")

    def spans(self):
        """Inline code spans and links of the prose, with line numbers."""
        for start, block in self.prose:
            text = "\n".join(block)
            text = HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
            line_of = _line_index(text, start)
            code_ranges = []
            i = 0
            while i < len(text):
                if text[i] == "\\":
                    i += 2
                    continue
                if text[i] != "`":
                    i += 1
                    continue
                run = len(re.match(r"`+", text[i:]).group())
                end = text.find("`" * run, i + run)
                while end != -1 and (text[end + run:end + run + 1] == "`"):
                    end = text.find("`" * run, end + run + 1)
                if end == -1:
                    i += run
                    continue
                content = text[i + run:end].replace("\n", " ")
                if content.startswith(" ") and content.endswith(" ") and content.strip():
                    content = content[1:-1]
                yield ("code", content, line_of(i), text[max(0, i - 40):i])
                code_ranges.append((i, end + run))
                i = end + run
            masked = list(text)
            for a, b in code_ranges:
                for k in range(a, b):
                    if masked[k] != "\n":
                        masked[k] = " "
            masked = "".join(masked)
            for match in LINK.finditer(masked):
                yield ("link", match.group(1), line_of(match.start()), "")
            for offset, line in enumerate(masked.split("\n")):
                ref = REF_DEF.match(line)
                if ref:
                    yield ("link", ref.group(1), start + offset, "")
            yield ("prose", masked, start, "")


def _line_index(text, start):
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(offset):
        lo, hi = 0, len(breaks)
        while lo < hi:
            mid = (lo + hi) // 2
            if breaks[mid] < offset:
                lo = mid + 1
            else:
                hi = mid
        return start + lo
    return line_of


# ------------------------------------------------------------------ settings

STRUCT = re.compile(
    r"#\[derive\(([^)]*)\)\]\s*(?:#\[[^\]]*\]\s*|///[^\n]*\n\s*)*"
    r"pub(?:\([^)]*\))?\s+struct\s+(\w+)\s*(?:<[^>]*>)?\s*\{", re.DOTALL)
def settings_structs():
    """name -> {serde name: type text}, for the Deserialize structs."""
    structs = {}
    roots = [ROOT / "crates/platform/src"] + sorted((ROOT / "services").glob("*/src"))
    for base in roots:
        for source in sorted(base.rglob("*.rs")):
            text = source.read_text()
            for match in STRUCT.finditer(text):
                if "Deserialize" not in match.group(1):
                    continue
                body_start = match.end()
                depth, k = 1, body_start
                while depth and k < len(text):
                    depth += {"{": 1, "}": -1}.get(text[k], 0)
                    k += 1
                body = text[body_start:k - 1]
                fields = structs.setdefault(match.group(2), {})
                body = re.sub(r"//[^\n]*", "", body)
                for chunk in split_top_level(body):
                    attrs = " ".join(re.findall(r"#\[[^\]]*\]", chunk)).replace(" ", "")
                    chunk = re.sub(r"#\[[^\]]*\]", "", chunk)
                    field = re.fullmatch(r"\s*(?:pub(?:\([^)]*\))?\s+)?(?:r#)?(\w+)\s*:\s*(.+?)\s*",
                                         chunk, re.DOTALL)
                    if not field or "serde(skip" in attrs:
                        continue
                    name, ty = field.group(1), field.group(2)
                    if "serde(flatten" in attrs:
                        fields.setdefault("<flatten>", []).append(ty)
                        continue
                    renamed = re.search(r'rename="([^"]+)"', attrs)
                    fields[renamed.group(1) if renamed else name] = ty
    return structs


def split_top_level(body):
    """A struct body's fields: split at commas outside <>, () and []."""
    chunks, depth, current = [], 0, []
    for ch in body:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            chunks.append("".join(current))
            current = []
        else:
            current.append(ch)
    chunks.append("".join(current))
    return chunks


def type_structs(ty, structs):
    """The settings structs a field's type names (inside Option, Vec, maps)."""
    names = re.findall(r"\b([A-Z]\w*)\b", ty)
    return [n for n in names if n in structs]


def resolve_setting(key, structs):
    """None when every segment of `key` is a field; else what is missing."""
    return walk_key(key, structs)[0]


def walk_key(key, structs):
    """(what is missing or None, the (struct, field) pairs the key ends on)."""
    current = {"Settings"}
    pending_map = False
    pairs = set()
    segments = key.split(".")
    for depth, segment in enumerate(segments):
        if pending_map:
            pending_map = False
            continue
        found, pairs = set(), set()
        for name in current:
            fields = structs.get(name, {})
            if segment in fields:
                ty = fields[segment]
                pairs.add((name, segment))
                found.update(type_structs(ty, structs))
                if re.search(r"\b(BTreeMap|HashMap|IndexMap)\b", ty):
                    pending_map = True
                elif not type_structs(ty, structs):
                    found.add("<leaf>")
        if not found:
            where = ".".join(segments[:depth]) or "the root"
            return f"no field '{segment}' in {where}", set()
        current = found - {"<leaf>"}
        if not current and depth < len(segments) - 1 and not pending_map:
            return f"'{'.'.join(segments[:depth + 1])}' is a value, not a section", set()
    return None, pairs


def settings_leaves(structs):
    """Every value the settings hold: (key, (struct, field), keys of the
    lists of tables on its way). Map keys are written `<key>`."""
    leaves = []

    def walk(name, prefix, lists, seen):
        for field, ty in structs.get(name, {}).items():
            key = prefix + field
            inner = type_structs(ty, structs)
            is_map = re.search(r"\b(BTreeMap|HashMap|IndexMap)\b", ty)
            own_lists = lists + [key] if re.search(r"\bVec\b", ty) else lists
            if is_map:
                key += ".<key>"
            if inner and not set(inner) & seen:
                for sub in inner:
                    walk(sub, key + ".", own_lists, seen | {sub})
            else:
                leaves.append((key, (name, field), lists))
    walk("Settings", "", [], {"Settings"})
    return leaves


SETTING = re.compile(
    r"^(?:%s)(?:\.(?:[a-z0-9_]+|<[a-z_]+>))*$" % "|".join(SETTING_SECTIONS))


def table_columns():
    """`table.column` for every column in the services' diesel schemas: a
    span like `users.id` is a column, not a setting."""
    columns = set()
    for schema in sorted((ROOT / "services").glob("*/src/schema.rs")):
        for table, body in re.findall(r"table!\s*\{\s*(\w+)\s*\([^)]*\)\s*\{(.*?)\}",
                                      schema.read_text(), re.DOTALL):
            columns.update(f"{table}.{col}" for col in re.findall(r"(\w+)\s*->", body))
    return columns


def expand_shorthand(spans):
    """[`a.b.c`, `.d`] -> a.b.c, a.b.d (as written in configuration.md)."""
    keys, last = [], None
    for span in spans:
        if span.startswith(".") and last:
            keys.append(last.rsplit(".", 1)[0] + span)
        elif SETTING.match(span) and "." in span or span == "environment":
            keys.append(span)
            last = span
    return keys


# --------------------------------------------------------------------- words

def source_words():
    words = set()
    for rel in FILES:
        if rel.endswith(SOURCE_WORD_EXTENSIONS) or "/" in rel and rel.split("/")[-1] in (
                "Dockerfile", "run", "Containerfile") or rel in ("Dockerfile", ".ci/run"):
            try:
                words.update(re.findall(r"[A-Za-z0-9_]+", (ROOT / rel).read_text()))
            except (UnicodeDecodeError, OSError):
                pass
    return words


# ---------------------------------------------------------------------- main

# Fenced languages that need an mdBook preprocessor this book does not use.
UNRENDERED_LANGS = {"mermaid", "plantuml", "dot", "graphviz"}


def main(argv):
    verbose = "-v" in argv
    docs = sorted((ROOT / "docs/src").rglob("*.md"))
    docs += [ROOT / p for p in EXTRA_DOCS if (ROOT / p).is_file()]
    docs = [Doc(p) for p in docs]
    by_path = {d.path.resolve(): d for d in docs}
    problems = []
    counts = {"paths": 0, "links": 0, "anchors": 0, "shell paths": 0,
              "settings": 0, "configuration keys": 0, "settings in the code": 0, "names": 0,
              "stale-word lines": 0, "missing-sections": 0}
    structs = settings_structs()
    columns = table_columns()
    words = source_words()

    def report(doc, line, what):
        problems.append(f"{doc.rel}:{line}: {what}")

    def note(kind, doc, line, what):
        counts[kind] += 1
        if verbose:
            print(f"  {kind}: {doc.rel}:{line}: {what}")

    configuration = next(d for d in docs if d.rel == "docs/src/configuration.md")
    documented = set()
    # Keys of configuration.md: its table rows' first cells, and its prose.
    for number, line in enumerate(configuration.lines, 1):
        if line.startswith("| `"):
            first_cell = line.split(" | ")[0]
            keys = expand_shorthand(re.findall(r"`([^`]+)`", first_cell))
            for key in keys:
                documented.add(key)
                note("configuration keys", configuration, number, key)
                missing = resolve_setting(key, structs)
                if missing:
                    report(configuration, number,
                           f"setting `{key}` is not in the code ({missing})")
    prose_keys = [(content, line) for kind, content, line, _ in configuration.spans()
                  if kind == "code"]
    for key in expand_shorthand([c for c, _ in prose_keys]):
        documented.add(key)

    # The other way: every value in the code is documented, by its own key,
    # by the same field of a shared struct documented under another section
    # (`users.http.workers` documents `worker.http.workers`: configuration.md
    # says the other `http` keys are as for the users service), or by the
    # row of the list of tables it belongs to (`gateway.routes`).
    documented_pairs = set()
    for key in documented:
        documented_pairs |= walk_key(key, structs)[1]
    for key, pair, lists in settings_leaves(structs):
        counts["settings in the code"] += 1
        if is_documented(key, documented) or pair in documented_pairs or any(
                is_documented(parent, documented) for parent in lists):
            continue
        report(configuration, 1, f"setting `{key}` ({pair[0]}.{pair[1]}) is in the code "
                                 f"but not documented")

    for doc in docs:
        here = doc.path.parent
        code_spans = []
        for kind, content, line, before in doc.spans():
            if kind == "code":
                code_spans.append((content, line))
                if not re.search(r"\b[Nn]o\s+$", before):
                    # "no `mod.rs`", "there is no `rust-toolchain.toml`":
                    # cited as absent, on purpose.
                    check_code_path(doc, content, line, report, note)
                check_name(doc, content, line, before, words, report, note)
            elif kind == "link":
                check_link(doc, content, line, here, by_path, report, note)
            elif kind == "prose":
                check_stale(doc, content, line, report, note)
        check_missing_sections(doc, report, note)
        # Settings, with the `a.b` / `.c` shorthand expanded.
        expanded, last = [], None
        for content, line in code_spans:
            if content.startswith(".") and last and re.fullmatch(r"\.[a-z0-9_.]+", content):
                expanded.append((last.rsplit(".", 1)[0] + content, line))
            elif SETTING.match(content) and "." in content and \
                    not content.lower().endswith(EXTENSIONS) and content not in columns:
                expanded.append((content, line))
                last = content
            elif not content.startswith("."):
                last = None
        for key, line in expanded:
            note("settings", doc, line, key)
            missing = resolve_setting(key, structs)
            if missing:
                report(doc, line, f"setting `{key}` is not in the code ({missing})")
            elif doc is not configuration and not is_documented(key, documented):
                report(doc, line, f"setting `{key}` is not in configuration.md")
        for lang, fenced in doc.fenced:
            if lang in SHELL_BLOCK_LANGS:
                check_shell_block(doc, lang, fenced, report, note)
            if lang in UNRENDERED_LANGS:
                # mdBook has no preprocessor for these here: the reader would
                # see the diagram's source, not the diagram.
                line = fenced[0][0] - 1 if fenced else 1
                report(doc, line, f"a ```{lang} block renders as its source text "
                                  f"(no preprocessor): draw it in ASCII (```text)")

    problems = list(dict.fromkeys(problems))
    for problem in problems:
        print(problem, file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"check-book: {len(docs)} files; checked {summary}; {len(problems)} problems")
    return 1 if problems else 0


def is_documented(key, documented):
    """A key of configuration.md, a section of one (`users.cache`), or a
    field of a documented map entry (`gateway.rate_limits.<class>` documents
    `gateway.rate_limits.api.burst`: its fields are described in the row)."""
    if key in documented or any(d.startswith(key + ".") for d in documented):
        return True
    generic = re.sub(r"<[a-z_]+>", "<>", key)
    for doc_key in documented:
        pattern = re.escape(re.sub(r"<[a-z_]+>", "<>", doc_key)).replace("<>", "[^.]+")
        if doc_key.endswith(">") and re.match(pattern + r"(\.|$)", generic):
            return True
        if re.fullmatch(pattern, generic):
            return True
    return False


def check_code_path(doc, span, line, report, note):
    if " " in span or not span or any(c in span for c in "*<>{}…$|=,;()'\"[]"):
        return
    if re.search(r"NN|XX", span):
        return      # a number to be chosen: `docs/src/adr/00NN-title.md`
    if re.match(r"^[a-z][a-z0-9+.-]*://", span) or span.startswith(("/", "~", "-")):
        return
    if span.startswith("./"):
        span = span[2:]
    head = span.split("/")[0]
    is_path = ("/" in span and head in TOP_LEVEL and (head in TOP_DIRS)) or \
        span.lower().endswith(EXTENSIONS)
    if not is_path:
        return
    if re.fullmatch(r"[\w.-]+\.(md|rs|toml|json)#?.*", span) and "#" in span:
        return
    note("paths", doc, line, span)
    if span in ALLOWED_PATHS or span.rstrip("/") in ALLOWED_PATHS:
        return
    if "/" in span and head in TOP_DIRS:
        if not exists(span):
            report(doc, line, f"`{span}`: no such path in the repository")
    elif "/" in span:
        if not is_tail_of_some_path(span):
            report(doc, line, f"`{span}`: no path in the repository ends so")
    elif span not in BASENAMES:
        report(doc, line, f"`{span}`: no file of that name in the repository")


def check_link(doc, target, line, here, by_path, report, note):
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
        return
    path, _, anchor = target.partition("#")
    if path:
        if any(c in path for c in "*<{…"):
            return
        note("links", doc, line, target)
        resolved = (here / path).resolve()
        if resolved.name == "index.md" and not resolved.exists() and \
                (resolved.parent / "README.md").is_file():
            # mdBook renders a chapter README.md as index.html, and does not
            # rewrite links to README.md (rust-lang/mdBook#984): the book
            # links to index.md, which becomes index.html.
            resolved = resolved.parent / "README.md"
        try:
            rel = resolved.relative_to(ROOT).as_posix()
        except ValueError:
            report(doc, line, f"link `{target}` leaves the repository")
            return
        if rel in ALLOWED_PATHS:
            return
        if not exists(rel):
            report(doc, line, f"link `{target}`: no such file ({rel})")
            return
        target_doc = by_path.get(resolved)
    else:
        target_doc = doc
    if anchor and target_doc is not None:
        note("anchors", doc, line, target)
        if anchor not in target_doc.anchors:
            report(doc, line, f"link `{target}`: no heading '#{anchor}' in {target_doc.rel}")


def check_shell_block(doc, lang, fenced, report, note):
    for number, text in fenced:
        stripped = text.strip()
        if lang == "console":
            if not stripped.startswith("$ "):
                continue
            stripped = stripped[2:]
        if stripped.startswith("#"):
            continue
        stripped = stripped.split(" #")[0]
        for word in re.split(r"[\s=;|&()\"']+", stripped):
            word = word.rstrip(":,")
            head = word.split("/")[0]
            if "/" not in word or head not in TOP_DIRS:
                continue
            if any(c in word for c in "*<>{}…$"):
                continue
            note("shell paths", doc, number, word)
            if word not in ALLOWED_PATHS and not exists(word):
                report(doc, number, f"`{word}` (in a {lang} block): no such path in the repository")


def check_name(doc, span, line, before, words, report, note):
    if not re.fullmatch(r"[a-z0-9_]+", span) or span.count("_") < 3:
        return
    note("names", doc, line, span)
    if span in EXTERNAL_NAMES:
        return
    if re.search(r"\b[Ww]rite\s+$", before):
        return      # an exercise: the reader writes it
    if span not in words:
        report(doc, line, f"`{span}` names nothing in the sources")


MISSING_SECTION = re.compile(r"^(#{2,6})\s+(What is not here( yet)?|Not done yet|Still to come)\s*$",
                             re.IGNORECASE)


def check_missing_sections(doc, report, note):
    """A section listing what is missing links the status page."""
    fenced_lines = {n for _, lines in doc.fenced for n, _ in lines}
    for number, line in enumerate(doc.lines, 1):
        match = MISSING_SECTION.match(line)
        if not match or number in fenced_lines:
            continue
        level = len(match.group(1))
        body = []
        for later, text in enumerate(doc.lines[number:], number + 1):
            heading = HEADING.match(text)
            if heading and len(heading.group(1)) <= level and later not in fenced_lines:
                break
            body.append(text)
        note("missing-sections", doc, number, match.group(2))
        if "status.md" not in "\n".join(body):
            report(doc, number, f"section \"{match.group(2)}\" does not link status.md")


def check_stale(doc, masked, start, report, note):
    if doc.rel == STATUS_PAGE:
        return      # the list of what is missing may say so
    text = masked
    for match in STALE.finditer(text):
        line = start + text.count("\n", 0, match.start())
        word = match.group(1).lower()
        if word == "not yet":
            following = re.match(r"\s+(\w+)", text[match.end():])
            if following and following.group(1).lower() in RUNTIME_STATES:
                continue
        if word == "todo" and match.group(1) != "TODO":
            continue
        # The sentence around the hit.
        begin = max(text.rfind(". ", 0, match.start()), text.rfind(".\n", 0, match.start()))
        end_candidates = [i for i in (text.find(". ", match.end()), text.find(".\n", match.end()))
                          if i != -1]
        end = min(end_candidates) if end_candidates else len(text)
        sentence = text[begin + 1:end + 1]
        note("stale-word lines", doc, line, match.group(0))
        if "status.md" in sentence:
            continue
        report(doc, line, f"\"{match.group(1)}\" without a link to status.md "
                          f"(say what is missing there, and link it)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
