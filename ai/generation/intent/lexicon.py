"""Words an intent uses: filler that says nothing about the rows, names of systems (never
filter values), synonyms of column names, countries and their adjectives."""

from __future__ import annotations

# Names of systems and formats: never filter values.
SYSTEM_WORDS = {
    "etl",
    "elt",
    *[
        "mysql",
        "mariadb",
        "postgresql",
        "postgres",
        "pg",
        "psql",
        "clickhouse",
        "duckdb",
        "kafka",
        "s3",
        "parquet",
        "csv",
    ],
    *[
        "json",
        "jsonl",
        "sqlite",
        "snowflake",
        "bigquery",
        "redshift",
        "oracle",
        "mssql",
        "sqlserver",
        "warehouse",
    ],
    *["lake", "dwh", "database", "db", "target", "source", "staging"],
}

# Words that carry no condition, column or shape of their own.
FILLER = {
    *[
        "a",
        "an",
        "the",
        "all",
        "any",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "to",
        "into",
        "onto",
        "and",
        "with",
        "as",
        "that",
        "which",
        "who",
        "whose",
    ],
    *[
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "their",
        "its",
        "it",
        "them",
        "they",
        "there",
        "this",
        "these",
    ],
    *[
        "those",
        "please",
        "me",
        "my",
        "our",
        "we",
        "us",
        "i",
        "you",
        "your",
        "get",
        "give",
        "show",
        "list",
        "find",
        "return",
        "want",
        "need",
    ],
    *[
        "load",
        "loads",
        "loaded",
        "loading",
        "extract",
        "extracted",
        "extracting",
        "copy",
        "copies",
        "copied",
        "move",
        "moving",
    ],
    *[
        "sync",
        "syncing",
        "replicate",
        "replicating",
        "export",
        "exporting",
        "import",
        "importing",
        "ingest",
        "put",
        "write",
    ],
    *[
        "send",
        "pull",
        "push",
        "bring",
        "fetch",
        "read",
        "select",
        "take",
        "build",
        "create",
        "make",
        "store",
        "save",
        "land",
    ],
    *[
        "table",
        "tables",
        "data",
        "dataset",
        "datasets",
        "row",
        "rows",
        "record",
        "records",
        "entries",
        "entry",
        "info",
    ],
    *[
        "information",
        "details",
        "detail",
        "pipeline",
        "pipelines",
        "job",
        "target",
        "source",
        "sources",
        "destination",
    ],
    *[
        "warehouse",
        "database",
        "db",
        "dwh",
        "lake",
        "schema",
        "just",
        "only",
        "also",
        "then",
        "so",
        "same",
        "new",
        "existing",
        "whole",
    ],
    *["everything", "every", "complete", "full", "set", "current", "where", "whose", "keep"],
    *["entire", "entirety", "clone", "replica"],  # "clone the entire table"
    *["extra", "additional"],  # "an extra column line_total = …"
    *["grab", "dump", "hey", "can", "could", "actually", "really", "i'd", "i'm", "we'd", "let's"],
    # particles of the load verbs ("pull the customers out of", "copy products over to")
    *["out", "over", "up", "across", "onto"],
    *["keeping", "retain", "retaining", "going", "headed", "heading", "bound", "destined", "sent"],
    *["column", "columns", "field", "fields", "there", "one", "if", "any", "when", "yet"],
    "i.e",  # "revenue per product, i.e. sum of …": what follows says it again
    *SYSTEM_WORDS,  # systems and formats: never filter values
}


# Words that name the same column (the first word is what schemas often say).
COLUMN_SYNONYMS = {
    "qty": ("quantity", "qty", "units", "count"),
    "quantity": ("quantity", "qty", "units", "amount of items"),
    "amount": ("amount", "amt", "total", "value"),
    "total": ("total", "amount", "order total", "total amount", "grand total", "order value"),
    "price": ("price", "unit price", "unit_price", "cost"),
    "email": ("email", "e-mail", "mail", "email address", "email_address"),
    "name": ("name", "title", "full name"),
    "country": ("country", "nation", "country code", "country_code", "market"),
    "created_at": ("created", "creation date", "created date", "creation time"),
    "updated_at": ("updated", "last updated", "modified", "update time", "last modified"),
    "status": ("status", "state"),
    "lifetime_value": ("lifetime value", "ltv", "clv", "customer lifetime value"),
    "category": ("category", "type", "kind", "group"),
    "type": ("type", "kind", "category"),
}

# Verbs that say a row is referred to, whatever the referring table is called ("products never
# sold", "unused carriers", "carriers who never carried a shipment"): read as the one table that
# refers to the rows, never guessed among several.
REFERRED_VERBS = {
    "used", "utilized", "utilised", "referenced", "involved", "sold", "bought", "purchased",
    "carried", "handled", "transported",
}  # fmt: skip

# Verbs that say which date of a row is meant.
DATE_VERBS = {
    "placed": ("order_date", "ordered_at", "placed_at"),
    "ordered": ("order_date", "ordered_at", "placed_at"),
    "made": ("order_date", "made_at"),
    "created": ("created_at", "created", "creation_date"),
    "registered": ("registered_at", "signup_date", "signed_up_at", "created_at"),
    "signed": ("signup_date", "signed_up_at", "registered_at", "created_at"),
    "joined": ("joined_at", "join_date", "signup_date", "created_at"),
    "hired": ("hire_date", "hired_at", "start_date"),
    "opened": ("opened_on", "opened_at", "open_date", "opening_date"),
    "updated": ("updated_at", "modified_at", "last_updated"),
    "modified": ("modified_at", "updated_at"),
    "shipped": ("shipped_at", "ship_date", "shipped_date", "dispatched_at"),
    "dispatched": ("dispatched_at", "shipped_at", "ship_date"),
    "sent": ("sent_at", "shipped_at", "dispatched_at", "ship_date"),
    "delivered": ("delivered_at", "delivery_date"),
    "arrived": ("arrived_at", "delivered_at", "arrival_date", "delivery_date"),
    "received": ("received_at", "delivered_at", "delivery_date"),
    "sold": ("sale_date", "sold_at", "sold_on"),
    "happened": ("event_time", "occurred_at", "timestamp", "ts", "created_at"),
    "occurred": ("occurred_at", "event_time", "timestamp", "ts"),
    "recorded": ("recorded_at", "measured_at", "reading_time", "ts", "timestamp"),
    "measured": ("measured_at", "recorded_at", "reading_time", "ts"),
    "started": ("started_at", "start_date", "start_time"),
    "ended": ("ended_at", "end_date", "end_time"),
}

# Verbs that say a row came to be: the date a row is of, when no column is named after them.
CREATION_VERBS = {
    "placed", "made", "created", "registered", "signed", "joined", "added", "recorded", "logged",
    "submitted", "raised", "entered", "booked", "issued", "filed", "generated", "happened",
    "occurred", "dated", "taken", "captured",
}  # fmt: skip

# Country names and adjectives → ISO 3166 alpha-2 code (what columns often hold).
COUNTRIES = {
    "DE": ("germany", "german", "germans", "deutschland"),
    "FR": ("france", "french"),
    "ES": ("spain", "spanish"),
    "IT": ("italy", "italian", "italians"),
    "GB": ("united kingdom", "uk", "britain", "great britain", "british", "england", "english"),
    "US": ("united states", "usa", "america", "american", "americans", "us"),
    "NL": ("netherlands", "holland", "dutch"),
    "BE": ("belgium", "belgian", "belgians"),
    "AT": ("austria", "austrian", "austrians"),
    "CH": ("switzerland", "swiss"),
    "PL": ("poland", "polish"),
    "SE": ("sweden", "swedish"),
    "NO": ("norway", "norwegian", "norwegians"),
    "DK": ("denmark", "danish"),
    "FI": ("finland", "finnish"),
    "PT": ("portugal", "portuguese"),
    "IE": ("ireland", "irish"),
    "CA": ("canada", "canadian", "canadians"),
    "MX": ("mexico", "mexican", "mexicans"),
    "BR": ("brazil", "brazilian", "brazilians"),
    "JP": ("japan", "japanese"),
    "CN": ("china", "chinese"),
    "IN": ("india", "indian", "indians"),
    "AU": ("australia", "australian", "australians"),
    "RU": ("russia", "russian", "russians"),
    "CZ": ("czechia", "czech republic", "czech"),
    "GR": ("greece", "greek", "greeks"),
    "TR": ("turkey", "turkish"),
}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "twenty-five": 25, "thirty": 30, "fifty": 50, "hundred": 100,
}  # fmt: skip

# Short forms of common words, written out before reading ("avg amt per cust"): a short form is
# read so only when no table, column or value of the schema is called by it.
ABBREVIATIONS = {
    "amt": "amount", "amts": "amounts", "cust": "customer", "custs": "customers",
    "totl": "total", "nr": "number", "num": "number", "prod": "product",
    "prods": "products", "addr": "address", "dept": "department", "depts": "departments",
    "emp": "employee", "emps": "employees", "txn": "transaction", "txns": "transactions",
    "acct": "account", "accts": "accounts", "qtr": "quarter", "yr": "year", "yrs": "years",
    "whs": "warehouses", "shpmt": "shipment", "shpmts": "shipments",
    "cnt": "count", "wt": "weight", "hrs": "hours", "mins": "minutes",
    "pls": "please", "plz": "please", "thx": "thanks",
}  # fmt: skip

# Negations typed without their apostrophe ("status isnt cancelled", "sales that dont have a
# customer"): written out unless the schema uses the word as a name or a value. "cant" and
# "wont" are English words of their own, so they stay.
UNAPOSTROPHED = {
    "isnt": "isn't", "arent": "aren't", "wasnt": "wasn't", "werent": "weren't",
    "doesnt": "doesn't", "dont": "don't", "didnt": "didn't", "hasnt": "hasn't",
    "havent": "haven't", "hadnt": "hadn't",
}  # fmt: skip

# Other names of a table, by its name's last word ("clients" for customers): used only when no
# table of the schema, nor any column, is called by the other name.
TABLE_SYNONYMS = {
    "customers": ("clients", "client", "buyers", "buyer"),
    "items": ("line items", "line item", "order lines", "order line"),
    "products": ("articles", "article", "goods", "skus", "sku"),
    "employees": ("staff", "workers", "worker"),
    "users": ("accounts", "account", "members", "member"),
    "carriers": ("couriers", "courier"),
}

# Verbs that move a table somewhere, harmless only as the first word ("ship the products to
# the warehouse"): elsewhere they may say something about the rows ("orders that ship today").
LEAD_VERBS = {
    "ship", "transfer", "migrate", "mirror", "stream", "feed", "deliver", "publish", "upload",
    "download", "dump", "grab", "pull", "sync", "copy", "move", "bring", "export", "replicate",
    "send", "push", "load", "extract", "materialize", "materialise", "persist",
}  # fmt: skip

# The same verbs done to the rows, harmless only when a system follows ("the orders from 2024
# pulled into the warehouse"); not "shipped to", "sent to", "moved to", which may say where.
MOVED = {
    "pulled", "copied", "synced", "synchronized", "exported", "dumped", "loaded", "replicated",
    "mirrored", "pushed", "extracted", "uploaded", "grabbed", "brought", "materialized",
}  # fmt: skip

# Other words for a state a row is in ("shipments on the way"): each is read as one of the
# values it lists only when a column holds exactly that value, and no value is called by the
# words themselves.
VALUE_SYNONYMS = {
    **dict.fromkeys(
        ("en route", "on the way", "on its way", "on their way", "underway", "under way"),
        ("in transit", "in_transit", "transit", "en route"),
    ),
    **dict.fromkeys(("dispatched", "sent out"), ("shipped",)),
    **dict.fromkeys(("sent back", "bounced back"), ("returned",)),
    **dict.fromkeys(("completed", "finished"), ("complete", "completed", "done")),
}

# Spans of time named by what happens in them ("time in transit"): the verbs of the moment the
# span starts and of the moment it ends, each looked up among the row's date columns.
DURATION_SPANS = {
    "transit": (("shipped", "dispatched", "sent"), ("delivered", "arrived", "received")),
}
