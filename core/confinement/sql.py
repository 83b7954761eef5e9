"""Functions and names a definition's SQL may not use: they read the server's files, settings
or environment, or run SQL that no check has seen. Defence in depth: the DuckDB engines that
run tenant SQL have external access off and their configuration locked, so the engine holds
even where this list misses a name; databases reached with the tenant's own credentials hold
by their own grants."""

from __future__ import annotations

import re
from itertools import pairwise

from sqlglot import exp
from sqlglot.tokens import Tokenizer, TokenType

_REFUSED = re.compile(
    r"""^(
        read_.* | .*_scan | sniff_csv | glob | parquet_.* | iceberg_.* | delta_.*  # DuckDB
        | duckdb_.* | current_setting | set_config | getenv | pragma_.* | which_secret
        | query | query_table | load_extension | sqlite_.* | mysql_.* | postgres_.*
        | pg_read_.* | pg_ls_.* | pg_stat_file | pg_file_.* | pg_logdir_ls | lo_.*   # PostgreSQL
        | dblink.* | pg_reload_conf | pg_terminate_backend | pg_cancel_backend
        | query_to_xml.* | cursor_to_xml.* | query_to_xmlschema      # run SQL given as text
        | load_file | sys_exec | sys_eval                                           # MySQL
        | readfile | writefile | edit | fts3_tokenizer                               # SQLite
    )$""",
    re.VERBOSE,
)


def refused(tree: exp.Expr) -> str | None:
    """Why the query may not run; None: nothing refused."""
    for node in tree.find_all(exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if _REFUSED.match(name):
            return (
                f"the function {name}() reads the server's files, settings or environment and "
                "is not allowed in a pipeline's SQL"
            )
    return None


def refused_tokens(sql: str) -> str | None:
    """A string literal where a table belongs (``FROM '/etc/passwd'``): DuckDB reads such a
    string as a file, and the parsed tree no longer tells it from a quoted name."""
    try:
        tokens = Tokenizer().tokenize(sql)
    except Exception:
        return None  # the parser reports it
    for before, token in pairwise(tokens):
        if before.token_type in (TokenType.FROM, TokenType.JOIN) and (
            token.token_type == TokenType.STRING
        ):
            return (
                f"'{token.text}' after {before.text.upper()} is a string, not a table; "
                "name a table (a file is read through a files connection)"
            )
    return None
