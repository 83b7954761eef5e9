"""Columns of the rows left out or renamed: "everything except email", "sales without the
customer_id column", "rename total to amount", "name as product_name"."""

from __future__ import annotations

import re

from ai.generation.intent.grounding import Ref, column_forms
from ai.generation.intent.parse.base import ParserBase
from ai.generation.intent.query import Out

# Words that leave the columns after them out
_LEAVE_OUT = (
    r"except(?:\s+for)?|excluding|excl\.?|but(?:\s+not)?|minus|without|apart\s+from|other\s+than"
    r"|sans|save|drop(?:ping)?|remov(?:e|ing)|omit(?:ting)?|leav(?:e|ing)\s+out|skip(?:ping)?"
    r"|hid(?:e|ing)|strip(?:ping)?|no"
)
# … said of all the columns: "everything except", "all columns but", "the whole table minus"
_ALL = (
    r"(?:everything|all\s+(?:the\s+)?(?:columns|fields|cols|data)|all(?:\s+(?:the\s+)?[a-z_]+)?"
    r"\s+(?:columns|fields|cols)|every\s+(?:column|field)|(?:the\s+)?(?:whole|full|entire)\s+"
    r"(?:table|row|rows))"
)
_COLUMN_WORD = r"(?:columns?|fields?|cols?|attributes?)"
# Words that may end a list of columns
_LIST_END = re.compile(rf"\s*(?:{_COLUMN_WORD}\s*)?(?=$|[,.;:)]|\band\b|\bbut\b|\bpl(?:ea)?se?\b)")
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|nor|&)\s|/|\+)\s*(?:the\s+)?")


class ColumnChoices(ParserBase):
    """Places the root's columns left out or renamed; the columns come out after the picks."""

    def _column_choices(self) -> None:
        self._left_out: list[Ref] = []
        self._renames: list[tuple[int, Ref, str]] = []  # where said, the column, its new name
        self._leave_out()
        self._rename()

    def _leave_out(self) -> None:
        """ "everything except email", "customers minus the email column", "drop email":
        columns left out. "without" a column is left out only when said of all the columns,
        with the word "column", or of a column that is never empty ("customers without email");
        else it says the rows where it is empty (values._nullness)."""
        for m in re.finditer(
            rf"(?:(?P<all>{_ALL})(?:\s+(?:of|from|in)\s+[a-z_]+)?\s*,?\s*)?"
            rf"(?:(?<=[\s,;:(])|^)(?P<lead>{_LEAVE_OUT})\s+(?:the\s+|any\s+|its\s+|their\s+)?",
            self.text,
        ):
            if not self._free(m, "lead"):
                continue
            if not m["all"] and self._column_before(m.start("lead"), "", 2) is not None:
                continue  # "received_at minus dispatched_at": a formula
            refs, end = self._listed(m.end())
            said = _LIST_END.match(self.text, end)
            if not refs or said is None:
                continue
            named = re.match(rf"\s*{_COLUMN_WORD}\b", self.text[end:]) is not None
            lead = "except" if re.fullmatch(r"but\s+not", m["lead"]) else m["lead"].split()[0]
            # "customers without email": a column never empty is not a row's condition
            if (
                lead in ("without", "no", "but")
                and not (m["all"] or named)
                and (lead == "but" or any(r.column.nullable for r in refs))
            ):
                continue
            if lead in ("save", "sans", "skip", "skipping") and not (m["all"] or named):
                continue
            start = m.start("all") if m["all"] else m.start("lead")
            joiner = re.search(r"(?:,\s*|\b(?:but|and)\s+)$", self.text[:start])
            if joiner is not None and not m["all"]:
                start = joiner.start()
            self._left_out += [r for r in refs if r not in self._left_out]
            names = ", ".join(r.column.name for r in refs)
            self._place("projection", start, end + said.end(), f"Leaves out {names}", "")

    def _rename(self) -> None:
        """ "rename total to amount", "total renamed to amount", "name as product_name",
        "name (as product_name)", "total called amount": the root's column under a new name."""
        q = self.q
        for m in re.finditer(
            rf"(?:\b(?:but|and)\s+|,\s*)?\b(?P<verb>rename|call|alias)\s+(?:the\s+)?(?P<col>[a-z_]+"
            rf"(?:\s+[a-z_]+)?)\s+(?:{_COLUMN_WORD}\s+)?(?:to|as|into)\s+(?P<new>[a-z_][a-z0-9_]*)"
            rf"|\b(?P<col2>[a-z_]+)\s+(?:{_COLUMN_WORD}\s+)?(?:(?P<renamed>renamed|re-named|aliased"
            rf"|called|named)\s+(?:to\s+|as\s+)?|\(?\s*as\s+|(?:->|=>|→)\s*)(?P<as>[a-z_][a-z0-9_]*)\)?",
            self.text,
        ):
            if not self._free(m) or q.aggregates:
                continue
            said, new = m["col"] or m["col2"], m["new"] or m["as"]
            ref = self._root_column(said)
            if ref is None or new == ref.column.name.lower():
                continue
            taken = {c.name.lower() for c in q.root.columns}
            explicit = bool(m["verb"] or m["renamed"])
            # "X as Y": Y no name of the data (a column, a table, a value)
            if new in taken or (not explicit and not self._fresh(new)):
                continue
            self._renames.append((m.start(), ref, new))
            self._place("projection", m.start(), m.end(), f"Renames {ref.column.name} to {new}", "")

    def _fresh(self, name: str) -> bool:
        """A word that names nothing of the data: no table, column or value."""
        cat = self.cat
        return (
            cat.table_named(name) is None
            and not cat.columns_named(name, self.prefer)
            and not cat.values_named(name, cat.datasets)
        )

    def _root_column(self, words: str) -> Ref | None:
        """The root's column named exactly by ``words`` (its name or a form of it)."""
        said = words.strip().removesuffix("'s")
        for c in self.q.root.columns:
            if said in column_forms(c, synonyms=False):
                return Ref(self.q.root, c)
        refs = [r for r in self.cat.columns_named(said, [self.q.root]) if r.dataset is self.q.root]
        exact = [r for r in refs if said in column_forms(r.column)]
        return exact[0] if len(exact) == 1 else None

    def _listed(self, at: int) -> tuple[list[Ref], int]:
        """The root's columns listed from ``at`` ("email, country and name"), and their end."""
        refs: list[Ref] = []
        end = at
        while True:
            word = re.match(r"[a-z_]+(?:\s+[a-z_]+)?", self.text[end:])
            if word is None:
                break
            ref = self._root_column(word[0])
            size = len(word[0])
            if ref is None and " " in word[0]:
                size = len(word[0].split()[0])
                ref = self._root_column(word[0].split()[0])
            if ref is None or not self.cov.free(end, end + size):
                break
            refs.append(ref)
            end += size
            sep = _SEPARATOR.match(self.text, end)
            if sep is None or self._root_column_at(sep.end()) is None:
                break
            end = sep.end()
        return refs, end

    def _root_column_at(self, at: int) -> Ref | None:
        word = re.match(r"[a-z_]+(?:\s+[a-z_]+)?", self.text[at:])
        if word is None:
            return None
        return self._root_column(word[0]) or self._root_column(word[0].split()[0])

    def _chosen_columns(self) -> None:
        """The columns come out without those left out, under their new names; a column
        renamed stands in the columns listed where it was said."""
        q = self.q
        if (not self._left_out and not self._renames) or q.aggregates:
            return
        if q.columns is None:
            columns = [Out(Ref(q.root, c).sql, c.name, Ref(q.root, c)) for c in q.root.columns]
        else:
            spans = getattr(self, "_projection_spans", {})
            said = [(spans.get(o.name, (0, 0))[0], o) for o in q.columns]
            for at, ref, _ in self._renames:
                if all(o.ref != ref for _, o in said):
                    said.append((at, Out(ref.sql, ref.column.name, ref)))
            columns = [o for _, o in sorted(said, key=lambda x: x[0])]
        names = {ref: name for _, ref, name in self._renames}
        q.columns = [
            Out(o.sql, names.get(o.ref, o.name) if o.ref else o.name, o.ref)
            for o in columns
            if o.ref not in self._left_out
        ]
