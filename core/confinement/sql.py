"""Functions, clauses and names a definition's SQL may not use: they read the server's files,
settings or environment, reach URLs, object stores or other servers, run programs, or run SQL
that no check has seen. Defence in depth: the DuckDB engines that run tenant SQL have external
access off and their configuration locked, so the engine holds even where this list misses a
name; databases reached with the tenant's own credentials hold by their own grants."""

from __future__ import annotations

import re
from itertools import pairwise

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

_REFUSED = re.compile(
    r"""^(
        read_.* | .*_scan | sniff_csv | glob | parquet_.* | iceberg.* | delta.*  # DuckDB
        | duckdb_.* | current_setting | set_config | getenv | pragma_.* | which_secret
        | query | query_table | load_extension | sqlite_.* | mysql_.* | postgres_.*
        | json_execute_serialized_sql | arrow_scan.* | python_map_function | http_.*
        | load_aws_credentials | ducklake_.* | .*_external_resource.* | copy_database
        | checkpoint | force_checkpoint | write_log | truncate_duckdb_logs
        | (enable|disable)_(logging|profiling|profile) | (add|remove)_grammar_extension
        | pg_read_.* | pg_ls_.* | pg_stat_file | pg_file_.* | pg_logdir_ls | lo_.*   # PostgreSQL
        | dblink.* | pg_reload_conf | pg_terminate_backend | pg_cancel_backend
        | query_to_xml.* | cursor_to_xml.* | query_to_xmlschema      # run SQL given as text
        | table_to_xml.* | schema_to_xml.* | database_to_xml.* | pg_current_logfile
        | load_file | sys_exec | sys_eval                                           # MySQL
        | readfile | writefile | edit | fts3_tokenizer                               # SQLite
        | file | filecluster | url | urlcluster | s3 | s3cluster | gcs | oss | cosn  # ClickHouse
        | azure.* | hdfs.* | hive | hudi.* | paimon.* | arrowflight.* | ytsaurus
        | remote | remotesecure | cluster | clusterallreplicas | merge | mergetreeindex
        | mysql | postgresql | sqlite | mongodb | redis | jdbc | odbc | executable.*
        | input | dictionary | dictget.* | dicthas | dictisin | dictgetchildren
        | dictgetdescendants | getsetting.* | getserversetting | getmergetreesetting
        | getmacro | getclienthttpheader | filesystem.* | hostname | fqdn | prometheus.*
    )$""",
    re.VERBOSE,
)
_NAMES = (TokenType.VAR, TokenType.IDENTIFIER)
"""Tokens that can name a function, besides keywords (``FILE``, ``URL``, ``INPUT``...)."""


def _refusal(name: str) -> str:
    return (
        f"the function {name}() reads the server's files, settings or environment, or reaches "
        "other servers or programs, and is not allowed in a pipeline's SQL"
    )


def refused(tree: exp.Expr) -> str | None:
    """Why the query may not run; None: nothing refused."""
    for node in tree.find_all(exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if _REFUSED.match(name):
            return _refusal(name)
    variable = tree.find(exp.SessionParameter)
    if variable is not None:  # MySQL's @@datadir, @@secure_file_priv...
        return (
            f"the server variable @@{variable.name} says how the server is set up and is not "
            "allowed in a pipeline's SQL"
        )
    for query in tree.find_all(exp.Query):
        if query.args.get("settings"):
            return "a SETTINGS clause changes the server's settings and is not allowed here"
        if query.args.get("format"):
            return "a FORMAT clause is not allowed here: the rows are read as they are"
    return None


def refused_tokens(sql: str, dialect: str | None = None) -> str | None:
    """What the parsed tree cannot tell: a string literal where a table belongs
    (``FROM '/etc/passwd'``: DuckDB reads such a string as a file), and a refused function
    whose name the parser reads as a table or a keyword (``FROM file('x')``, ``"url" (...)``,
    comments between the name and its parenthesis). ``dialect``: whose quoting the SQL uses."""
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
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
        if token.token_type == TokenType.L_PAREN and _names_refused(before):
            return _refusal(before.text.lower())
    return None


def _names_refused(token: Token) -> bool:
    """A token that names a refused function: a name or a keyword (not a string)."""
    named = token.token_type in _NAMES or token.text.isidentifier()
    return (
        named and token.token_type != TokenType.STRING and bool(_REFUSED.match(token.text.lower()))
    )
